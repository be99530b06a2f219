using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PartyOnboardings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "party_onboardings",
                columns: table => new
                {
                    Party = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Role = table.Column<string>(type: "text", nullable: false),
                    Address = table.Column<string>(type: "text", nullable: false),
                    SignerUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    Admin = table.Column<string>(type: "text", nullable: false),
                    RequestedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_party_onboardings", x => x.Party);
                });

            migrationBuilder.CreateTable(
                name: "party_onboarding_steps",
                columns: table => new
                {
                    Position = table.Column<int>(type: "integer", nullable: false),
                    Party = table.Column<string>(type: "character varying(64)", nullable: false),
                    Call = table.Column<string>(type: "text", nullable: false),
                    Currency = table.Column<string>(type: "text", nullable: false),
                    Contract = table.Column<string>(type: "text", nullable: false),
                    What = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    TransactionJson = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: true),
                    TransactionHash = table.Column<string>(type: "text", nullable: true),
                    Outcome = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_party_onboarding_steps", x => new { x.Party, x.Position });
                    table.ForeignKey(
                        name: "FK_party_onboarding_steps_party_onboardings_Party",
                        column: x => x.Party,
                        principalTable: "party_onboardings",
                        principalColumn: "Party",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "party_onboarding_steps");

            migrationBuilder.DropTable(
                name: "party_onboardings");
        }
    }
}

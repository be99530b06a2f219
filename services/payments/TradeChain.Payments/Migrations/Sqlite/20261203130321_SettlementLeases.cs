using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SettlementLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "settlement_leases",
                columns: table => new
                {
                    Bank = table.Column<string>(type: "TEXT", nullable: false),
                    Holder = table.Column<string>(type: "TEXT", nullable: false),
                    ExpiresAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Fence = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_settlement_leases", x => x.Bank);
                });

            migrationBuilder.CreateIndex(
                name: "IX_duty_payments_Status_SettledByBank",
                table: "duty_payments",
                columns: new[] { "Status", "SettledByBank" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "settlement_leases");

            migrationBuilder.DropIndex(
                name: "IX_duty_payments_Status_SettledByBank",
                table: "duty_payments");
        }
    }
}

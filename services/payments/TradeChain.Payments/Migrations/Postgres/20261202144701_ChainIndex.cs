using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ChainIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "chain_cursors",
                columns: table => new
                {
                    Source = table.Column<string>(type: "text", nullable: false),
                    Contract = table.Column<string>(type: "text", nullable: false),
                    NextBlock = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAtUnixMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chain_cursors", x => x.Source);
                });

            migrationBuilder.CreateTable(
                name: "chain_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Contract = table.Column<string>(type: "text", nullable: false),
                    TransactionHash = table.Column<string>(type: "text", nullable: false),
                    LogIndex = table.Column<long>(type: "bigint", nullable: false),
                    BlockNumber = table.Column<long>(type: "bigint", nullable: false),
                    BlockTimestamp = table.Column<long>(type: "bigint", nullable: false),
                    Topic0 = table.Column<string>(type: "text", nullable: true),
                    Topic1 = table.Column<string>(type: "text", nullable: true),
                    Topic2 = table.Column<string>(type: "text", nullable: true),
                    Topic3 = table.Column<string>(type: "text", nullable: true),
                    Data = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chain_events", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_chain_events_Contract_BlockNumber",
                table: "chain_events",
                columns: new[] { "Contract", "BlockNumber" });

            migrationBuilder.CreateIndex(
                name: "IX_chain_events_Contract_Topic1",
                table: "chain_events",
                columns: new[] { "Contract", "Topic1" });

            migrationBuilder.CreateIndex(
                name: "IX_chain_events_Contract_Topic2",
                table: "chain_events",
                columns: new[] { "Contract", "Topic2" });

            migrationBuilder.CreateIndex(
                name: "IX_chain_events_Contract_Topic3",
                table: "chain_events",
                columns: new[] { "Contract", "Topic3" });

            migrationBuilder.CreateIndex(
                name: "IX_chain_events_TransactionHash_LogIndex",
                table: "chain_events",
                columns: new[] { "TransactionHash", "LogIndex" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chain_cursors");

            migrationBuilder.DropTable(
                name: "chain_events");
        }
    }
}

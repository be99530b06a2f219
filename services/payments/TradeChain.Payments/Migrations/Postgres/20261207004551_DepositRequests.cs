using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DepositRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "deposit_requests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Bank = table.Column<string>(type: "text", nullable: false),
                    Party = table.Column<string>(type: "text", nullable: false),
                    Currency = table.Column<string>(type: "text", nullable: false),
                    Reference = table.Column<string>(type: "text", nullable: false),
                    AmountMinor = table.Column<long>(type: "bigint", nullable: false),
                    RequestedBy = table.Column<string>(type: "text", nullable: false),
                    RequestedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    TransactionHash = table.Column<string>(type: "text", nullable: true),
                    Rule = table.Column<string>(type: "text", nullable: true),
                    Refusal = table.Column<string>(type: "text", nullable: true),
                    DecidedAtUnixMs = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deposit_requests", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_deposit_requests_Bank",
                table: "deposit_requests",
                column: "Bank",
                filter: "\"Status\" = 'Queued'");

            migrationBuilder.CreateIndex(
                name: "IX_deposit_requests_Party_Reference",
                table: "deposit_requests",
                columns: new[] { "Party", "Reference" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_deposit_requests_RequestedAtUnixMs",
                table: "deposit_requests",
                column: "RequestedAtUnixMs",
                filter: "\"Status\" = 'Queued'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deposit_requests");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BookingInstructions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "booking_instructions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    Bank = table.Column<string>(type: "TEXT", nullable: false),
                    Party = table.Column<string>(type: "TEXT", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", nullable: false),
                    Reference = table.Column<string>(type: "TEXT", nullable: false),
                    AmountMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: false),
                    RequestedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    TransactionHash = table.Column<string>(type: "TEXT", nullable: true),
                    Rule = table.Column<string>(type: "TEXT", nullable: true),
                    Refusal = table.Column<string>(type: "TEXT", nullable: true),
                    DecidedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: true),
                    FailedAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastFailure = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    LastFailureAtUnixMs = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_booking_instructions", x => x.Id);
                });

            // The deposits queued, booked or refused before become deposit instructions (the sender goes on with the queued ones).
            migrationBuilder.Sql("""
                INSERT INTO booking_instructions ("Id", "Bank", "Party", "Currency", "Reference", "AmountMinor", "RequestedBy", "RequestedAtUnixMs", "Status", "TransactionHash", "Rule", "Refusal", "DecidedAtUnixMs", "Kind", "FailedAttempts")
                SELECT "Id", "Bank", "Party", "Currency", "Reference", "AmountMinor", "RequestedBy", "RequestedAtUnixMs", "Status", "TransactionHash", "Rule", "Refusal", "DecidedAtUnixMs", 'Deposit', 0 FROM deposit_requests
                """);

            migrationBuilder.DropTable(
                name: "deposit_requests");

            migrationBuilder.CreateIndex(
                name: "IX_booking_instructions_Bank",
                table: "booking_instructions",
                column: "Bank",
                filter: "\"Status\" = 'Queued'");

            migrationBuilder.CreateIndex(
                name: "IX_booking_instructions_Party_Currency_RequestedAtUnixMs",
                table: "booking_instructions",
                columns: new[] { "Party", "Currency", "RequestedAtUnixMs" },
                filter: "\"Status\" <> 'Booked'");

            migrationBuilder.CreateIndex(
                name: "IX_booking_instructions_Party_Kind_Reference",
                table: "booking_instructions",
                columns: new[] { "Party", "Kind", "Reference" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_booking_instructions_RequestedAtUnixMs",
                table: "booking_instructions",
                column: "RequestedAtUnixMs",
                filter: "\"Status\" = 'Queued'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "deposit_requests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    AmountMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    Bank = table.Column<string>(type: "TEXT", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", nullable: false),
                    DecidedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: true),
                    Party = table.Column<string>(type: "TEXT", nullable: false),
                    Reference = table.Column<string>(type: "TEXT", nullable: false),
                    Refusal = table.Column<string>(type: "TEXT", nullable: true),
                    RequestedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: false),
                    Rule = table.Column<string>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    TransactionHash = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deposit_requests", x => x.Id);
                });

            // Back: the deposit instructions become deposit requests again. Withdrawal instructions have no place before this
            // migration and are dropped, queued ones too (one whose burn was sent but not recorded would then be left on chain
            // without its booking): go back only once no withdrawal is Queued.
            migrationBuilder.Sql("""
                INSERT INTO deposit_requests ("Id", "Bank", "Party", "Currency", "Reference", "AmountMinor", "RequestedBy", "RequestedAtUnixMs", "Status", "TransactionHash", "Rule", "Refusal", "DecidedAtUnixMs")
                SELECT "Id", "Bank", "Party", "Currency", "Reference", "AmountMinor", "RequestedBy", "RequestedAtUnixMs", "Status", "TransactionHash", "Rule", "Refusal", "DecidedAtUnixMs" FROM booking_instructions WHERE "Kind" = 'Deposit'
                """);

            migrationBuilder.DropTable(
                name: "booking_instructions");

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
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReferencesPerAccount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ledger_entries_Kind_Reference_Party",
                table: "ledger_entries");

            migrationBuilder.DropIndex(
                name: "IX_booking_instructions_Party_Kind_Reference",
                table: "booking_instructions");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_Kind_Reference_Party_Currency",
                table: "ledger_entries",
                columns: new[] { "Kind", "Reference", "Party", "Currency" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_booking_instructions_Party_Kind_Reference_Currency",
                table: "booking_instructions",
                columns: new[] { "Party", "Kind", "Reference", "Currency" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ledger_entries_Kind_Reference_Party_Currency",
                table: "ledger_entries");

            migrationBuilder.DropIndex(
                name: "IX_booking_instructions_Party_Kind_Reference_Currency",
                table: "booking_instructions");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_Kind_Reference_Party",
                table: "ledger_entries",
                columns: new[] { "Kind", "Reference", "Party" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_booking_instructions_Party_Kind_Reference",
                table: "booking_instructions",
                columns: new[] { "Party", "Kind", "Reference" },
                unique: true);
        }
    }
}

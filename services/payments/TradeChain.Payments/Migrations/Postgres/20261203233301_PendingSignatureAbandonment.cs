using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PendingSignatureAbandonment : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AbandonmentDue",
                table: "pending_signatures",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "IX_pending_signatures_ClosedAtUnixMs",
                table: "pending_signatures",
                column: "ClosedAtUnixMs",
                filter: "\"AbandonmentDue\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_pending_signatures_ClosedAtUnixMs",
                table: "pending_signatures");

            migrationBuilder.DropColumn(
                name: "AbandonmentDue",
                table: "pending_signatures");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PendingSignatureClaimTime : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ClaimedAtUnixMs",
                table: "pending_signatures",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ClaimedAtUnixMs",
                table: "pending_signatures");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DutySettlementQueueEntries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "SettlementQueued",
                table: "duty_payments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "SettlementRefusal",
                table: "duty_payments",
                type: "text",
                nullable: true);

            // Before this migration the worker took every payment Settling as an entry of its bank's queue (for a bank whose
            // key the service's signer holds): those saved then stay entries, so none is stranded.
            migrationBuilder.Sql("UPDATE duty_payments SET \"SettlementQueued\" = TRUE WHERE \"Status\" = 'Settling'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SettlementQueued",
                table: "duty_payments");

            migrationBuilder.DropColumn(
                name: "SettlementRefusal",
                table: "duty_payments");
        }
    }
}

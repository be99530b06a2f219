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
            // False for every row saved before (and by an older payments version during a rolling upgrade): a Settling one is
            // an entry of its bank's queue, as that version's worker took every Settling row, so none is stranded.
            migrationBuilder.AddColumn<bool>(
                name: "SettledInRequest",
                table: "duty_payments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "SettlementRefusal",
                table: "duty_payments",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SettledInRequest",
                table: "duty_payments");

            migrationBuilder.DropColumn(
                name: "SettlementRefusal",
                table: "duty_payments");
        }
    }
}

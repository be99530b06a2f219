using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class BookingCancels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "CancelAskedAtUnixMs",
                table: "booking_instructions",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CancelAskedBy",
                table: "booking_instructions",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CancelAskedAtUnixMs",
                table: "booking_instructions");

            migrationBuilder.DropColumn(
                name: "CancelAskedBy",
                table: "booking_instructions");
        }
    }
}

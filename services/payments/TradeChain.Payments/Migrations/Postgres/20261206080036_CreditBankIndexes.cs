using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CreditBankIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_credits_AdvisingBankParty",
                table: "credits",
                column: "AdvisingBankParty");

            migrationBuilder.CreateIndex(
                name: "IX_credits_IssuingBankParty",
                table: "credits",
                column: "IssuingBankParty");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_credits_AdvisingBankParty",
                table: "credits");

            migrationBuilder.DropIndex(
                name: "IX_credits_IssuingBankParty",
                table: "credits");
        }
    }
}

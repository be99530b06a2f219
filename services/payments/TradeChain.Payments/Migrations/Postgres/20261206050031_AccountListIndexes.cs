using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AccountListIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_accounts_ServicingBank_Party_Currency",
                table: "accounts",
                columns: new[] { "ServicingBank", "Party", "Currency" });

            migrationBuilder.CreateIndex(
                name: "IX_account_mandates_Bank_Party_Currency",
                table: "account_mandates",
                columns: new[] { "Bank", "Party", "Currency" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_accounts_ServicingBank_Party_Currency",
                table: "accounts");

            migrationBuilder.DropIndex(
                name: "IX_account_mandates_Bank_Party_Currency",
                table: "account_mandates");
        }
    }
}

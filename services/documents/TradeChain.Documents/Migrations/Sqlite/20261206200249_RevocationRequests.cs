using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Documents.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RevocationRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "RevocationRequestedAtUnixMs",
                table: "documents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RevocationRequestedBy",
                table: "documents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_documents_RevocationRequestedAtUnixMs",
                table: "documents",
                column: "RevocationRequestedAtUnixMs",
                filter: "\"RevocationRequestedAtUnixMs\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_documents_RevocationRequestedAtUnixMs",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "RevocationRequestedAtUnixMs",
                table: "documents");

            migrationBuilder.DropColumn(
                name: "RevocationRequestedBy",
                table: "documents");
        }
    }
}

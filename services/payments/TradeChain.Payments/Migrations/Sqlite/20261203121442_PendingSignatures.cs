using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PendingSignatures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "pending_signatures",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Party = table.Column<string>(type: "TEXT", nullable: false),
                    Role = table.Column<string>(type: "TEXT", nullable: false),
                    Address = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    Subject = table.Column<string>(type: "TEXT", nullable: false),
                    Purpose = table.Column<string>(type: "TEXT", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: false),
                    RequestedByActor = table.Column<string>(type: "TEXT", nullable: false),
                    TransactionJson = table.Column<string>(type: "TEXT", nullable: false),
                    StepJson = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    ClosedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: true),
                    TransactionHash = table.Column<string>(type: "TEXT", nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pending_signatures", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_pending_signatures_Kind_Subject",
                table: "pending_signatures",
                columns: new[] { "Kind", "Subject" },
                unique: true,
                filter: "\"Status\" = 'Awaiting'");

            migrationBuilder.CreateIndex(
                name: "IX_pending_signatures_Party_Status",
                table: "pending_signatures",
                columns: new[] { "Party", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pending_signatures");
        }
    }
}

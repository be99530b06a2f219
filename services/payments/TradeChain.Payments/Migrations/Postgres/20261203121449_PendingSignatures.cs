using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Party = table.Column<string>(type: "text", nullable: false),
                    Role = table.Column<string>(type: "text", nullable: false),
                    Address = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    Subject = table.Column<string>(type: "text", nullable: false),
                    Purpose = table.Column<string>(type: "text", nullable: false),
                    RequestedBy = table.Column<string>(type: "text", nullable: false),
                    RequestedByActor = table.Column<string>(type: "text", nullable: false),
                    TransactionJson = table.Column<string>(type: "text", nullable: false),
                    StepJson = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    CreatedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    ClosedAtUnixMs = table.Column<long>(type: "bigint", nullable: true),
                    TransactionHash = table.Column<string>(type: "text", nullable: true),
                    Outcome = table.Column<string>(type: "text", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
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

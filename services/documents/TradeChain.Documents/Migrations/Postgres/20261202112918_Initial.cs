using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TradeChain.Documents.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "documents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    DocumentType = table.Column<string>(type: "text", nullable: false),
                    OwnerParty = table.Column<string>(type: "text", nullable: false),
                    DataJson = table.Column<string>(type: "text", nullable: false),
                    Hash = table.Column<string>(type: "text", nullable: false),
                    Method = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    BatchId = table.Column<Guid>(type: "uuid", nullable: true),
                    MerkleRoot = table.Column<string>(type: "text", nullable: true),
                    ProofJson = table.Column<string>(type: "text", nullable: true),
                    IssueTransactionHash = table.Column<string>(type: "text", nullable: true),
                    IssuedInBlock = table.Column<long>(type: "bigint", nullable: true),
                    SubmittedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    InitialBeneficiaryParty = table.Column<string>(type: "text", nullable: true),
                    InitialHolderParty = table.Column<string>(type: "text", nullable: true),
                    RevocationReason = table.Column<string>(type: "text", nullable: true),
                    RevocationScope = table.Column<string>(type: "text", nullable: true),
                    RevocationTransactionHash = table.Column<string>(type: "text", nullable: true),
                    RevokedInBlock = table.Column<long>(type: "bigint", nullable: true),
                    RevokedAtUnixMs = table.Column<long>(type: "bigint", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_documents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "inbox",
                columns: table => new
                {
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    Consumer = table.Column<string>(type: "text", nullable: false),
                    ProcessedAtUnixMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_inbox", x => new { x.MessageId, x.Consumer });
                });

            migrationBuilder.CreateTable(
                name: "issuance_batches",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    MerkleRoot = table.Column<string>(type: "text", nullable: false),
                    OwnerParty = table.Column<string>(type: "text", nullable: false),
                    Method = table.Column<string>(type: "text", nullable: false),
                    DocumentCount = table.Column<int>(type: "integer", nullable: false),
                    Confirmed = table.Column<bool>(type: "boolean", nullable: false),
                    TransactionHash = table.Column<string>(type: "text", nullable: true),
                    BlockNumber = table.Column<long>(type: "bigint", nullable: true),
                    CreatedAtUnixMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_issuance_batches", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageType = table.Column<string>(type: "text", nullable: false),
                    Payload = table.Column<string>(type: "text", nullable: false),
                    TraceParent = table.Column<string>(type: "text", nullable: true),
                    TraceState = table.Column<string>(type: "text", nullable: true),
                    CreatedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    SentAtUnixMs = table.Column<long>(type: "bigint", nullable: true),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "party_accounts",
                columns: table => new
                {
                    Address = table.Column<string>(type: "text", nullable: false),
                    Party = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_party_accounts", x => x.Address);
                });

            migrationBuilder.CreateTable(
                name: "transitions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Service = table.Column<string>(type: "text", nullable: false),
                    AggregateType = table.Column<string>(type: "text", nullable: false),
                    AggregateId = table.Column<string>(type: "text", nullable: false),
                    Sequence = table.Column<int>(type: "integer", nullable: false),
                    FromState = table.Column<string>(type: "text", nullable: false),
                    ToState = table.Column<string>(type: "text", nullable: false),
                    Actor = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    ResponseCode = table.Column<string>(type: "text", nullable: true),
                    OccurredAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    BatchRoot = table.Column<string>(type: "text", nullable: true),
                    Proof = table.Column<string>(type: "text", nullable: true),
                    BatchSize = table.Column<int>(type: "integer", nullable: true),
                    BlockNumber = table.Column<long>(type: "bigint", nullable: true),
                    TransactionHash = table.Column<string>(type: "text", nullable: true),
                    AnchoredAtUnixMs = table.Column<long>(type: "bigint", nullable: true),
                    TraceParent = table.Column<string>(type: "text", nullable: true),
                    TraceState = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transitions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_documents_BatchId",
                table: "documents",
                column: "BatchId");

            migrationBuilder.CreateIndex(
                name: "IX_documents_Hash",
                table: "documents",
                column: "Hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_documents_MerkleRoot",
                table: "documents",
                column: "MerkleRoot");

            migrationBuilder.CreateIndex(
                name: "IX_documents_OwnerParty",
                table: "documents",
                column: "OwnerParty");

            migrationBuilder.CreateIndex(
                name: "IX_documents_Status_SubmittedAtUnixMs",
                table: "documents",
                columns: new[] { "Status", "SubmittedAtUnixMs" });

            migrationBuilder.CreateIndex(
                name: "IX_issuance_batches_Confirmed",
                table: "issuance_batches",
                column: "Confirmed");

            migrationBuilder.CreateIndex(
                name: "IX_issuance_batches_MerkleRoot",
                table: "issuance_batches",
                column: "MerkleRoot",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_MessageId",
                table: "outbox",
                column: "MessageId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_SentAtUnixMs_Id",
                table: "outbox",
                columns: new[] { "SentAtUnixMs", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_transitions_AggregateType_AggregateId_Sequence",
                table: "transitions",
                columns: new[] { "AggregateType", "AggregateId", "Sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_transitions_BatchRoot_Id",
                table: "transitions",
                columns: new[] { "BatchRoot", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "documents");

            migrationBuilder.DropTable(
                name: "inbox");

            migrationBuilder.DropTable(
                name: "issuance_batches");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "party_accounts");

            migrationBuilder.DropTable(
                name: "transitions");
        }
    }
}

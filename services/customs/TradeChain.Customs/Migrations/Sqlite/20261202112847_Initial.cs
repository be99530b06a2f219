using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TradeChain.Customs.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "declarations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    LocalReferenceNumber = table.Column<string>(type: "TEXT", nullable: false),
                    DeclarantParty = table.Column<string>(type: "TEXT", nullable: false),
                    Content = table.Column<string>(type: "TEXT", nullable: false),
                    ContentVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    StatusReason = table.Column<string>(type: "TEXT", nullable: true),
                    ResponseCode = table.Column<string>(type: "TEXT", nullable: true),
                    Lane = table.Column<string>(type: "TEXT", nullable: true),
                    LaneDecision = table.Column<string>(type: "TEXT", nullable: true),
                    Assessment = table.Column<string>(type: "TEXT", nullable: true),
                    PaymentReference = table.Column<string>(type: "TEXT", nullable: true),
                    AmountPaid = table.Column<string>(type: "TEXT", nullable: false),
                    SupplementaryPaymentReference = table.Column<string>(type: "TEXT", nullable: true),
                    SupplementaryAmount = table.Column<string>(type: "TEXT", nullable: false),
                    AssignedOfficer = table.Column<string>(type: "TEXT", nullable: true),
                    OfficerLane = table.Column<int>(type: "INTEGER", nullable: true),
                    OfficerLaneReason = table.Column<string>(type: "TEXT", nullable: true),
                    ExaminationFindings = table.Column<string>(type: "TEXT", nullable: true),
                    LodgedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    OfficeOfDeclaration = table.Column<string>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_declarations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "inbox",
                columns: table => new
                {
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Consumer = table.Column<string>(type: "TEXT", nullable: false),
                    ProcessedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_inbox", x => new { x.MessageId, x.Consumer });
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageType = table.Column<string>(type: "TEXT", nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: false),
                    TraceParent = table.Column<string>(type: "TEXT", nullable: true),
                    TraceState = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    SentAtUnixMs = table.Column<long>(type: "INTEGER", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "transitions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Service = table.Column<string>(type: "TEXT", nullable: false),
                    AggregateType = table.Column<string>(type: "TEXT", nullable: false),
                    AggregateId = table.Column<string>(type: "TEXT", nullable: false),
                    Sequence = table.Column<int>(type: "INTEGER", nullable: false),
                    FromState = table.Column<string>(type: "TEXT", nullable: false),
                    ToState = table.Column<string>(type: "TEXT", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    ResponseCode = table.Column<string>(type: "TEXT", nullable: true),
                    OccurredAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    BatchRoot = table.Column<string>(type: "TEXT", nullable: true),
                    Proof = table.Column<string>(type: "TEXT", nullable: true),
                    BatchSize = table.Column<int>(type: "INTEGER", nullable: true),
                    BlockNumber = table.Column<long>(type: "INTEGER", nullable: true),
                    TransactionHash = table.Column<string>(type: "TEXT", nullable: true),
                    AnchoredAtUnixMs = table.Column<long>(type: "INTEGER", nullable: true),
                    TraceParent = table.Column<string>(type: "TEXT", nullable: true),
                    TraceState = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transitions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "declaration_document_verdicts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Hash = table.Column<string>(type: "TEXT", nullable: false),
                    IssuedType = table.Column<string>(type: "TEXT", nullable: true),
                    Valid = table.Column<bool>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    VerifiedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    DeclarationId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_declaration_document_verdicts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_declaration_document_verdicts_declarations_DeclarationId",
                        column: x => x.DeclarationId,
                        principalTable: "declarations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "declaration_requested_documents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    DeclarationId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_declaration_requested_documents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_declaration_requested_documents_declarations_DeclarationId",
                        column: x => x.DeclarationId,
                        principalTable: "declarations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "declaration_versions",
                columns: table => new
                {
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    DeclarationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Content = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", nullable: false),
                    ReplacedAtUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_declaration_versions", x => new { x.DeclarationId, x.Number });
                    table.ForeignKey(
                        name: "FK_declaration_versions_declarations_DeclarationId",
                        column: x => x.DeclarationId,
                        principalTable: "declarations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "declaration_verdict_checks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    VerdictId = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_declaration_verdict_checks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_declaration_verdict_checks_declaration_document_verdicts_VerdictId",
                        column: x => x.VerdictId,
                        principalTable: "declaration_document_verdicts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_declaration_document_verdicts_DeclarationId",
                table: "declaration_document_verdicts",
                column: "DeclarationId");

            migrationBuilder.CreateIndex(
                name: "IX_declaration_requested_documents_DeclarationId",
                table: "declaration_requested_documents",
                column: "DeclarationId");

            migrationBuilder.CreateIndex(
                name: "IX_declaration_verdict_checks_VerdictId",
                table: "declaration_verdict_checks",
                column: "VerdictId");

            migrationBuilder.CreateIndex(
                name: "IX_declarations_AssignedOfficer",
                table: "declarations",
                column: "AssignedOfficer");

            migrationBuilder.CreateIndex(
                name: "IX_declarations_DeclarantParty_LocalReferenceNumber",
                table: "declarations",
                columns: new[] { "DeclarantParty", "LocalReferenceNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_declarations_PaymentReference",
                table: "declarations",
                column: "PaymentReference");

            migrationBuilder.CreateIndex(
                name: "IX_declarations_Status_Lane_OfficeOfDeclaration_LodgedAtUnixMs",
                table: "declarations",
                columns: new[] { "Status", "Lane", "OfficeOfDeclaration", "LodgedAtUnixMs" });

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
                name: "declaration_requested_documents");

            migrationBuilder.DropTable(
                name: "declaration_verdict_checks");

            migrationBuilder.DropTable(
                name: "declaration_versions");

            migrationBuilder.DropTable(
                name: "inbox");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "transitions");

            migrationBuilder.DropTable(
                name: "declaration_document_verdicts");

            migrationBuilder.DropTable(
                name: "declarations");
        }
    }
}

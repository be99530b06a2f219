using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TradeChain.Payments.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "account_mandates",
                columns: table => new
                {
                    Party = table.Column<string>(type: "text", nullable: false),
                    Currency = table.Column<string>(type: "text", nullable: false),
                    Bank = table.Column<string>(type: "text", nullable: false),
                    GrantedAtUnixMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_account_mandates", x => new { x.Party, x.Currency });
                });

            migrationBuilder.CreateTable(
                name: "accounts",
                columns: table => new
                {
                    Party = table.Column<string>(type: "text", nullable: false),
                    Currency = table.Column<string>(type: "text", nullable: false),
                    Address = table.Column<string>(type: "text", nullable: false),
                    ServicingBank = table.Column<string>(type: "text", nullable: false),
                    OpenTransactionHash = table.Column<string>(type: "text", nullable: false),
                    OpenedAtUnixMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_accounts", x => new { x.Party, x.Currency });
                });

            migrationBuilder.CreateTable(
                name: "credits",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<string>(type: "text", nullable: false),
                    ApplicantParty = table.Column<string>(type: "text", nullable: false),
                    BeneficiaryParty = table.Column<string>(type: "text", nullable: false),
                    IssuingBankParty = table.Column<string>(type: "text", nullable: false),
                    AdvisingBankParty = table.Column<string>(type: "text", nullable: true),
                    TermsJson = table.Column<string>(type: "text", nullable: false),
                    CustomsDeclarationId = table.Column<Guid>(type: "uuid", nullable: true),
                    Status = table.Column<string>(type: "text", nullable: false),
                    Drawn = table.Column<string>(type: "character varying(64)", nullable: false),
                    EscrowTransactionHash = table.Column<string>(type: "text", nullable: true),
                    RefundTransactionHash = table.Column<string>(type: "text", nullable: true),
                    BeneficiaryConsentedToCancel = table.Column<bool>(type: "boolean", nullable: false),
                    AppliedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credits", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "duty_payments",
                columns: table => new
                {
                    Reference = table.Column<string>(type: "text", nullable: false),
                    DeclarationId = table.Column<Guid>(type: "uuid", nullable: false),
                    PayerParty = table.Column<string>(type: "text", nullable: false),
                    Amount = table.Column<string>(type: "character varying(64)", nullable: false),
                    Currency = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    SettledByBank = table.Column<string>(type: "text", nullable: true),
                    DebtorAccount = table.Column<string>(type: "text", nullable: true),
                    WithdrawalReason = table.Column<string>(type: "text", nullable: true),
                    RequestedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    SettledAtUnixMs = table.Column<long>(type: "bigint", nullable: true),
                    SettlementTransactionHash = table.Column<string>(type: "text", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_duty_payments", x => x.Reference);
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
                name: "iso20022_messages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageType = table.Column<string>(type: "text", nullable: false),
                    Subject = table.Column<string>(type: "text", nullable: false),
                    Party = table.Column<string>(type: "text", nullable: false),
                    Xml = table.Column<string>(type: "text", nullable: false),
                    CreatedAtUnixMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iso20022_messages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Party = table.Column<string>(type: "text", nullable: false),
                    Currency = table.Column<string>(type: "text", nullable: false),
                    AmountMinor = table.Column<long>(type: "bigint", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    Reference = table.Column<string>(type: "text", nullable: false),
                    TransactionHash = table.Column<string>(type: "text", nullable: false),
                    AtUnixMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_entries", x => x.Id);
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

            migrationBuilder.CreateTable(
                name: "credit_amendments",
                columns: table => new
                {
                    Number = table.Column<int>(type: "integer", nullable: false),
                    CreditId = table.Column<Guid>(type: "uuid", nullable: false),
                    TermsJson = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    ProposedAtUnixMs = table.Column<long>(type: "bigint", nullable: false),
                    DecidedAtUnixMs = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credit_amendments", x => new { x.CreditId, x.Number });
                    table.ForeignKey(
                        name: "FK_credit_amendments_credits_CreditId",
                        column: x => x.CreditId,
                        principalTable: "credits",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "credit_presentations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<int>(type: "integer", nullable: false),
                    PresentedOn = table.Column<DateOnly>(type: "date", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    AmountClaimed = table.Column<string>(type: "character varying(64)", nullable: false),
                    ExaminationDeadline = table.Column<DateOnly>(type: "date", nullable: true),
                    RefusalNotice = table.Column<string>(type: "text", nullable: true),
                    SettlementTransactionHash = table.Column<string>(type: "text", nullable: true),
                    SettledAtUnixMs = table.Column<long>(type: "bigint", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    CreditId = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credit_presentations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_credit_presentations_credits_CreditId",
                        column: x => x.CreditId,
                        principalTable: "credits",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "credit_presentation_discrepancies",
                columns: table => new
                {
                    Position = table.Column<int>(type: "integer", nullable: false),
                    PresentationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Code = table.Column<string>(type: "text", nullable: false),
                    DocumentType = table.Column<string>(type: "text", nullable: true),
                    Field = table.Column<string>(type: "text", nullable: true),
                    Rule = table.Column<string>(type: "text", nullable: false),
                    Detail = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credit_presentation_discrepancies", x => new { x.PresentationId, x.Position });
                    table.ForeignKey(
                        name: "FK_credit_presentation_discrepancies_credit_presentations_Pres~",
                        column: x => x.PresentationId,
                        principalTable: "credit_presentations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "credit_presentation_documents",
                columns: table => new
                {
                    Position = table.Column<int>(type: "integer", nullable: false),
                    PresentationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Hash = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credit_presentation_documents", x => new { x.PresentationId, x.Position });
                    table.ForeignKey(
                        name: "FK_credit_presentation_documents_credit_presentations_Presenta~",
                        column: x => x.PresentationId,
                        principalTable: "credit_presentations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_credit_presentations_CreditId_Number",
                table: "credit_presentations",
                columns: new[] { "CreditId", "Number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_credits_ApplicantParty",
                table: "credits",
                column: "ApplicantParty");

            migrationBuilder.CreateIndex(
                name: "IX_credits_BeneficiaryParty",
                table: "credits",
                column: "BeneficiaryParty");

            migrationBuilder.CreateIndex(
                name: "IX_credits_Number",
                table: "credits",
                column: "Number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_duty_payments_DeclarationId",
                table: "duty_payments",
                column: "DeclarationId");

            migrationBuilder.CreateIndex(
                name: "IX_duty_payments_PayerParty",
                table: "duty_payments",
                column: "PayerParty");

            migrationBuilder.CreateIndex(
                name: "IX_iso20022_messages_Subject",
                table: "iso20022_messages",
                column: "Subject");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_Kind_Reference_Party",
                table: "ledger_entries",
                columns: new[] { "Kind", "Reference", "Party" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_Party_Currency",
                table: "ledger_entries",
                columns: new[] { "Party", "Currency" });

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
                name: "account_mandates");

            migrationBuilder.DropTable(
                name: "accounts");

            migrationBuilder.DropTable(
                name: "credit_amendments");

            migrationBuilder.DropTable(
                name: "credit_presentation_discrepancies");

            migrationBuilder.DropTable(
                name: "credit_presentation_documents");

            migrationBuilder.DropTable(
                name: "duty_payments");

            migrationBuilder.DropTable(
                name: "inbox");

            migrationBuilder.DropTable(
                name: "iso20022_messages");

            migrationBuilder.DropTable(
                name: "ledger_entries");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "transitions");

            migrationBuilder.DropTable(
                name: "credit_presentations");

            migrationBuilder.DropTable(
                name: "credits");
        }
    }
}

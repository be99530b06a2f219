namespace TradeChain.Messages;

/// <summary>
/// Customs (for a declaration) or payments (for a presentation under a credit) asks the documents service to verify the
/// documents it references. <paramref name="SubjectId"/> identifies what the documents were presented for (the declaration,
/// or the presentation); <paramref name="PresenterParty"/> the party that must have issued them; <paramref name="RequestedBy"/>
/// the asking service, echoed in the answer so each service takes only its own. A bank examining a presentation needs
/// the documents' data: <paramref name="IncludeContent"/> puts it in the verdicts.
/// </summary>
public sealed record DocumentVerificationRequested(
    Guid SubjectId,
    string PresenterParty,
    IReadOnlyList<string> DocumentHashes,
    string RequestedBy = DocumentVerificationRequested.Customs,
    bool IncludeContent = false)
{
    public const string Customs = "customs";
    public const string Payments = "payments";
}

/// <summary>One check of a document's verification (integrity, issuance, revocation, issuerIdentity): valid, invalid, skipped or error.</summary>
public sealed record DocumentCheck(string Name, string Status, string Reason);

/// <summary>The verdict on one referenced document: the same checks and reasons as the documents API's verification.</summary>
public sealed record DocumentVerdict(
    string DocumentHash,
    bool Valid,
    string? DocumentType,
    string Reason,
    IReadOnlyList<DocumentCheck>? Checks = null,
    string? ContentJson = null);

/// <summary>The documents service's answer to <see cref="DocumentVerificationRequested"/>.</summary>
public sealed record DocumentVerificationCompleted(
    Guid SubjectId,
    bool AllValid,
    IReadOnlyList<DocumentVerdict> Verdicts,
    string RequestedBy = DocumentVerificationRequested.Customs);

/// <summary>Customs asks payments to collect the duties assessed on a declaration.</summary>
public sealed record DutyPaymentRequested(
    string PaymentReference,
    Guid DeclarationId,
    string DeclarantParty,
    decimal Amount,
    string Currency);

/// <summary>A bank settled a duty payment.</summary>
public sealed record DutyPaymentSettled(
    string PaymentReference,
    Guid DeclarationId,
    decimal Amount,
    string Currency,
    string SettledByBank,
    long SettledAtUnixMs);

/// <summary>Customs no longer needs a requested payment (the declaration was amended or cancelled before payment).</summary>
public sealed record DutyPaymentWithdrawn(
    string PaymentReference,
    Guid DeclarationId,
    string Reason);

/// <summary>Customs released a declaration's goods (08). Customs attests it on the credit escrows, whose credits may wait for it.</summary>
public sealed record GoodsReleased(
    Guid DeclarationId,
    string DeclarantParty,
    long ReleasedAtUnixMs);

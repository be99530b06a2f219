namespace TradeChain.Messages;

/// <summary>
/// Customs asks the documents service to verify the documents a declaration references: each must have been issued
/// through TradeChain by the declarant. The answer is a <see cref="DeclarationDocumentsVerified"/>, which only customs
/// consumes: the conversation is told by the message types, not by a "requested by" field every service discards.
/// </summary>
public sealed record DeclarationDocumentsVerificationRequested(
    Guid DeclarationId,
    string DeclarantParty,
    IReadOnlyList<string> DocumentHashes);

/// <summary>The documents service's verdicts on a declaration's documents, for customs.</summary>
public sealed record DeclarationDocumentsVerified(
    Guid DeclarationId,
    bool AllValid,
    IReadOnlyList<DocumentVerdict> Verdicts);

/// <summary>
/// Payments asks the documents service to verify the documents presented under a documentary credit: each issued by
/// the beneficiary, a bill of lading held by it (MLETR control), and each verdict carrying the document's data for the
/// bank's examination. Answered by <see cref="PresentationDocumentsVerified"/>, which only payments consumes.
/// </summary>
public sealed record PresentationDocumentsVerificationRequested(
    Guid PresentationId,
    string PresenterParty,
    IReadOnlyList<string> DocumentHashes);

/// <summary>The documents service's verdicts (with each document's data) on a presentation's documents, for payments.</summary>
public sealed record PresentationDocumentsVerified(
    Guid PresentationId,
    bool AllValid,
    IReadOnlyList<DocumentVerdict> Verdicts);

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

/// <summary>Customs no longer needs a requested payment (the declaration was amended, cancelled or rejected before payment).</summary>
public sealed record DutyPaymentWithdrawn(
    string PaymentReference,
    Guid DeclarationId,
    string Reason);

/// <summary>Customs released a declaration's goods (08). Customs attests it on the credit escrows, whose credits may wait for it.</summary>
public sealed record GoodsReleased(
    Guid DeclarationId,
    string DeclarantParty,
    long ReleasedAtUnixMs);


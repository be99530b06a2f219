namespace TradeChain.Messages;

/// <summary>Customs asks the documents service to verify the documents a declaration references.</summary>
public sealed record DocumentVerificationRequested(
    Guid DeclarationId,
    string DeclarantParty,
    IReadOnlyList<string> DocumentHashes);

/// <summary>One check of a document's verification (integrity, issuance, revocation, issuerIdentity): valid, invalid, skipped or error.</summary>
public sealed record DocumentCheck(string Name, string Status, string Reason);

/// <summary>The verdict on one referenced document: the same checks and reasons as the documents API's verification.</summary>
public sealed record DocumentVerdict(
    string DocumentHash,
    bool Valid,
    string? DocumentType,
    string Reason,
    IReadOnlyList<DocumentCheck>? Checks = null);

/// <summary>The documents service's answer to <see cref="DocumentVerificationRequested"/>.</summary>
public sealed record DocumentVerificationCompleted(
    Guid DeclarationId,
    bool AllValid,
    IReadOnlyList<DocumentVerdict> Verdicts);

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

using TradeChain.Console.Services.Signing;

namespace TradeChain.Console.Services.Payments;

// What the payments API answers, as the console reads it (services/payments/TradeChain.Payments/Api/*.cs).

public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

public sealed record DutyPayment(string Reference, Guid DeclarationId, string PayerParty, decimal Amount, string Currency, string Status,
    string? SettledByBank, string? DebtorAccount, long RequestedAtUnixMs, long? SettledAtUnixMs, string? SettlementTransactionHash, bool AlreadySettled,
    string? WithdrawalReason = null, int Version = 0, SettlementRefusal? SettlementRefusal = null)
{
    // Settling: a settlement under way — queued for its bank's next batch transaction, or a self-signed transfer awaiting its receipt.
    public bool Requested => Status is "Requested" or "Settling";
}

/// <summary>One payment of a bulk settlement (POST /duty-payments/settlements): its status as its own settle request would have answered.</summary>
public sealed record BulkSettlementItem(int Index, string? Reference, int Status, DutyPayment? Payment, string? Rule, string? Detail);

/// <summary>A bulk settlement's answer: each payment in the order asked, and how many are Settled, still Settling, refused (4xx), to retry (5xx).</summary>
public sealed record BulkSettlement(IReadOnlyList<BulkSettlementItem> Results, int Settled, int Settling, int Refused, int Retry);

/// <summary>Why the payment's last settlement was given up, nothing having moved (given while the payment awaits a settlement again, or was withdrawn).</summary>
public sealed record SettlementRefusal(string Rule, string? Detail);

/// <summary>An account as the list gives it (the API's AccountListItem): its booked balance and its chain balance (null: not known, <c>ChainBalanceUnknown</c> says why).</summary>
public sealed record AccountListItem(string Party, string Currency, string Address, string ServicingBank, string OpenTransactionHash, long OpenedAtUnixMs,
    decimal Balance, decimal? ChainBalance, bool? Agrees, string? ChainBalanceUnknown);

/// <summary>Why an account's chain balance is not known (the API's chainBalanceUnknown).</summary>
public static class ChainBalanceUnknown
{
    /// <summary>The chain node failed, refused or did not answer in time.</summary>
    public const string NotRead = "not-read";

    /// <summary>More than the ledger can book (2^63 − 1 minor units): only money minted outside TradeChain gets there.</summary>
    public const string OutOfRange = "out-of-range";
}

/// <param name="Entries">One page of the movements, oldest first within it (page 1: the latest).</param>
/// <param name="EntryCount">How many movements the account has in all.</param>
/// <param name="ChainBalance">Null when not known: <paramref name="ChainBalanceUnknown"/> says why ("not-read", "out-of-range").</param>
/// <param name="QueuedDeposits">The deposits asked of its bank and queued, not booked yet (<paramref name="QueuedDepositCount"/> of them):
/// read by the service in one statement with <paramref name="Balance"/>, so a queued amount counts in one of the two, never both, never neither.</param>
/// <param name="QueuedWithdrawals">The same of withdrawals (<paramref name="QueuedWithdrawalCount"/>).</param>
public sealed record Account(string Party, string Currency, string Address, string ServicingBank, decimal Balance, decimal? ChainBalance, bool? Agrees,
    string? ChainBalanceUnknown, IReadOnlyList<LedgerEntry> Entries, long EntryCount = 0, int PageNumber = 1, int PageSize = 50, decimal QueuedDeposits = 0,
    int QueuedDepositCount = 0, decimal QueuedWithdrawals = 0, int QueuedWithdrawalCount = 0)
{
    public int Pages => (int)Math.Max(1, (EntryCount + Math.Max(1, PageSize) - 1) / Math.Max(1, PageSize));
}

public sealed record LedgerEntry(string Kind, string Reference, decimal Amount, string TransactionHash, long AtUnixMs);

/// <summary>
/// A deposit or withdrawal its bank asked that the account does not show yet (Queued: waiting to be sent by the process
/// that signs for the bank) or never will (Refused by the token, <paramref name="Rule"/> naming why). To the bank, the
/// failed sends' words too (<paramref name="LastFailure"/>); to the holder, only their count. A cancel its bank asked
/// (<paramref name="CancelAskedAtUnixMs"/>; who, to the bank) is decided by the process that signs for the bank: Refused
/// under rule <see cref="CancelledRule"/>, or Booked when an earlier attempt made it already.
/// </summary>
public sealed record BookingInstruction(string Kind, string Party, string Currency, string Reference, decimal Amount, string Status, string Bank, string? RequestedBy,
    long RequestedAtUnixMs, string? TransactionHash, string? Rule, string? Refusal, long? DecidedAtUnixMs, int FailedAttempts = 0, string? LastFailure = null,
    long? LastFailureAtUnixMs = null, string? CancelAskedBy = null, long? CancelAskedAtUnixMs = null)
{
    /// <summary>The rule of one its bank cancelled.</summary>
    public const string CancelledRule = "cancelled";

    /// <summary>"Deposit" or "Withdrawal".</summary>
    public string Label => Kind == "withdrawal" ? "Withdrawal" : "Deposit";

    /// <summary>Queued, and its bank may still ask to cancel it (not asked yet).</summary>
    public bool Cancellable => Status == "Queued" && CancelAskedAtUnixMs is null;

    /// <summary>The status as shown: a refusal by its own bank is "Cancelled".</summary>
    public string StatusLabel => Status == "Refused" && Rule == CancelledRule ? "Cancelled" : Status;

    /// <summary>Why it waits or was refused, in a sentence (the failure's words only where the service gave them: to the bank).</summary>
    public string State => Status switch
    {
        "Refused" when Rule == CancelledRule => $"{Refusal ?? "Cancelled by the bank before the chain made it: nothing moved."} Asked again, it needs a new reference.",
        "Refused" => $"The settlement token refused it ({Rule}){(Refusal is { } why ? $": {why}" : "")}. Nothing moved; the bank may ask it again under its reference.",
        _ when CancelAskedAtUnixMs is { } cancelAt =>
            $"Cancel asked{(CancelAskedBy is { } who ? $" by {who}" : "")} at {Money.At(cancelAt)}: it is not sent again, and its reference is spent. " +
            $"The chain decides it: once its reference is voided there (nothing sent for it can go through after) — if the bank took its key to itself since, the bank may sign that void under “Signatures awaiting you”; " +
            $"unsigned, such a cancel is decided a few minutes after it was asked, once the bank's transactions sent before are mined without it — " +
            $"it shows as cancelled, or as an entry if a send already under way went through first." +
            $"{(LastFailure is { } waits ? $" Now: {waits}." : "")}",
        _ when FailedAttempts > 0 => $"{FailedAttempts} attempt(s) to send it failed{(LastFailureAtUnixMs is { } at ? $", the last at {Money.At(at)}" : "")}" +
                                     $"{(LastFailure is { } failure ? $": {failure}" : "")}. It is sent again.",
        _ => "Waiting for the bank's next transaction on chain.",
    };
}

public sealed record Mandate(string Party, string Currency, string Bank, long GrantedAtUnixMs, bool AccountOpen);

public sealed record MessageSummary(Guid Id, string MessageType, string Subject, string Party, long CreatedAtUnixMs, string Href);

public sealed record RequiredDocument(string Type, IReadOnlyList<string> MatchFields, int Originals);

public sealed record CreditTerms(string Currency, decimal Amount, decimal TolerancePercent, DateOnly ExpiryDate, string ExpiryPlaceCountry,
    DateOnly LatestShipmentDate, int PresentationPeriodDays, bool PartialShipmentsAllowed, string ApplicantName, string BeneficiaryName,
    string PortOfLoading, string PortOfDischarge, string GoodsDescription, IReadOnlyList<RequiredDocument> RequiredDocuments);

public sealed record Amendment(int Number, CreditTerms Terms, string Reason, string Status, long ProposedAtUnixMs, long? DecidedAtUnixMs);

public sealed record Discrepancy(string Code, string? DocumentType, string? Field, string Rule, string Detail);

public sealed record Presentation(int Number, Guid Id, IReadOnlyList<string> DocumentHashes, DateOnly PresentedOn, string Status,
    IReadOnlyList<Discrepancy> Discrepancies, decimal AmountClaimed, DateOnly? ExaminationDeadline, string? RefusalNotice,
    string? SettlementTransactionHash, long? SettledAtUnixMs);

public sealed record Credit(Guid Id, string Number, string Status, string Applicant, string Beneficiary, string IssuingBank, string? AdvisingBank,
    CreditTerms Terms, decimal Drawn, Guid? CustomsDeclarationId, string? EscrowTransactionHash, string? RefundTransactionHash,
    bool BeneficiaryConsentedToCancel, IReadOnlyList<Amendment> Amendments, IReadOnlyList<Presentation> Presentations,
    CreditSignature? PendingSignature = null)
{
    /// <summary>Changes whenever anything the page shows changes: the timeline reloads on it.</summary>
    public string Version => $"{Status}|{Amendments.Count}|{string.Join(",", Amendments.Select(a => a.Status))}|{string.Join(",", Presentations.Select(p => p.Status))}|{BeneficiaryConsentedToCancel}";
}

/// <summary>
/// A signature a step of a credit waits for (GET /credits/{id}): a decision on an amendment, held until the issuing bank,
/// which signs its own transactions, signs the escrow's adjustment. Its party signs it under "Signatures awaiting you".
/// </summary>
/// <param name="Status">awaiting, or submitting (signed and sent: the chain decides).</param>
public sealed record CreditSignature(Guid Id, string Party, string Status, string Purpose, string RequestedBy, long ExpiresAtUnixMs)
{
    public bool Submitting => Status == "submitting";
}

public sealed record AccountLine(string Party, string Currency, string Address, decimal Ledger, decimal Chain, bool Agrees);

public sealed record CreditLine(string Number, string Currency, string Status, decimal Amount, decimal Drawn, string? EscrowState, decimal? EscrowAmount,
    decimal? EscrowReleased, bool Agrees, string? Difference);

public sealed record ReconciliationReport(DateTimeOffset At, bool InAgreement, IReadOnlyList<string> Differences, IReadOnlyList<AccountLine> Accounts,
    IReadOnlyList<CreditLine> Credits);

/// <summary>A document of the signed-in exporter, as the documents API lists it (only what presenting needs).</summary>
public sealed record OwnDocument(Guid Id, string Type, string Hash, string Status, long SubmittedAtUnixMs, System.Text.Json.Nodes.JsonObject? Content)
{
    /// <summary>The document's own number (invoice, bill of lading, certificate…), to tell documents of one type apart.</summary>
    public string? Number => Content is null ? null
        : new[] { "invoiceNumber", "billOfLadingNumber", "certificateNumber", "packingListNumber" }
            .Select(k => Content[k]?.ToString()).FirstOrDefault(v => !string.IsNullOrEmpty(v));
}

/// <summary>
/// A signature another party's step waits for from the caller's party, which signs itself (GET /signatures/pending):
/// what it is for, who asked, the transaction to sign, and where it stands (awaiting, completed, expired, overtaken).
/// </summary>
public sealed record PendingSignature(Guid Id, string Party, string Account, string Kind, string Purpose, string RequestedBy, string Status,
    UnsignedTransaction Transaction, long CreatedAtUnixMs, long ExpiresAtUnixMs, long? ClosedAtUnixMs, string? TransactionHash, string? Outcome, int Version = 0)
{
    public bool Awaiting => Status == "awaiting";

    /// <summary>Signed and sent: the chain decides (mined → completed; refused or dropped → awaiting again).</summary>
    public bool Submitting => Status == "submitting";

    /// <summary>Awaiting or being submitted: the step it holds is still open.</summary>
    public bool Open => Awaiting || Submitting;
}

/// <summary>A party's chain account as payments reports it (GET /parties/{party}/account): whether it signs itself decides what the console offers.</summary>
public sealed record PartyAccount(string Party, string Address, string KeyHeldBy)
{
    /// <summary>The party signs its own transactions (Parties:SelfSigned): the service holds no signer for it.</summary>
    public bool SignsItself => KeyHeldBy.StartsWith("the party itself", StringComparison.Ordinal);
}

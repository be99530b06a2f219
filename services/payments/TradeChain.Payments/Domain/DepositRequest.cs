using TradeChain.Domain;

namespace TradeChain.Payments.Domain;

public enum DepositRequestStatus { Queued, Booked, Refused }

/// <summary>
/// A bank's deposit on an account it keeps, asked by its request and sent by the process that signs for the bank
/// (<c>DepositSender</c>, where Payments:SettlementWorkerEnabled: payments-worker on Kubernetes), so that a bank's account
/// has one writer however many API replicas take its requests. Queued until the chain shows the mint (then Booked, with
/// its transaction; the ledger entry and the camt.054 are saved with it) or the token refuses it (Refused, the rule named).
/// Idempotent on (party, reference), as the booking it becomes: asked again, the same request.
/// </summary>
public sealed class DepositRequest
{
    public Guid Id { get; set; }

    /// <summary>The bank that asked (the account's servicing bank when asked) and whose key mints.</summary>
    public string Bank { get; set; } = "";

    public string Party { get; set; } = "";

    public string Currency { get; set; } = "";

    /// <summary>The bank's booking reference (the ledger entry's; on chain, hashed into the mint's reference).</summary>
    public string Reference { get; set; } = "";

    public long AmountMinor { get; set; }

    /// <summary>Who at the bank asked (shown to the bank; the ledger entry and the camt.054 name the bank).</summary>
    public string RequestedBy { get; set; } = "";

    public long RequestedAtUnixMs { get; set; }

    public DepositRequestStatus Status { get; set; }

    /// <summary>The mint's transaction once Booked.</summary>
    public string? TransactionHash { get; set; }

    /// <summary>Why it was Refused: the rule (e.g. contract:AccountNotOpen) and its words.</summary>
    public string? Rule { get; set; }

    public string? Refusal { get; set; }

    public long? DecidedAtUnixMs { get; set; }

    /// <summary>The record kind its waiters follow (<c>RecordChanges.KeyOf(RecordType, Id)</c>) and the sender wakes on (any of it).</summary>
    public const string RecordType = "deposit";

    /// <summary>A new request, Queued.</summary>
    public static DepositRequest Ask(string bank, string actor, SettlementAccount account, long amountMinor, string reference, DateTimeOffset at)
    {
        if (amountMinor <= 0) throw new DomainRuleViolation("amount-positive", "A deposit's amount must be more than zero.");
        if (string.IsNullOrWhiteSpace(actor)) throw new ArgumentException("a deposit is asked by someone at the bank", nameof(actor));
        account.RequireServicedBy(bank);
        return new DepositRequest
        {
            Id = Guid.NewGuid(), Bank = bank, Party = account.Party, Currency = account.Currency, Reference = reference, AmountMinor = amountMinor,
            RequestedBy = actor, RequestedAtUnixMs = at.ToUnixTimeMilliseconds(), Status = DepositRequestStatus.Queued,
        };
    }

    /// <summary>The same reference asked again: the same deposit, unless its amount or currency differs (refused: a reference books one movement).</summary>
    public void RequireSameAs(long amountMinor, string currency)
    {
        if (AmountMinor != amountMinor || Currency != currency)
            throw new DomainRuleViolation("reference-used",
                $"deposit reference {Reference} was asked already for {LedgerEntry.FromMinor(AmountMinor)} {Currency}, not {LedgerEntry.FromMinor(amountMinor)} {currency}: use a new reference for another deposit.");
    }

    /// <summary>Asked again after a refusal: queued once more (the bank may have fixed what the token refused).</summary>
    public void AskAgain(string actor, DateTimeOffset at)
    {
        if (Status != DepositRequestStatus.Refused) return;
        (Status, Rule, Refusal, DecidedAtUnixMs, RequestedBy, RequestedAtUnixMs) = (DepositRequestStatus.Queued, null, null, null, actor, at.ToUnixTimeMilliseconds());
    }

    /// <summary>The chain shows the mint: booked in <paramref name="transactionHash"/>.</summary>
    public void MarkBooked(string transactionHash, DateTimeOffset at)
    {
        if (Status != DepositRequestStatus.Queued) throw new InvalidOperationException($"deposit {Reference} is {Status}, not Queued");
        if (string.IsNullOrEmpty(transactionHash)) throw new ArgumentException("a booked deposit names its transaction", nameof(transactionHash));
        (Status, TransactionHash, DecidedAtUnixMs) = (DepositRequestStatus.Booked, transactionHash, at.ToUnixTimeMilliseconds());
    }

    /// <summary>The token refused the mint under <paramref name="rule"/>: nothing moved.</summary>
    public void MarkRefused(string rule, string refusal, DateTimeOffset at)
    {
        if (Status != DepositRequestStatus.Queued) throw new InvalidOperationException($"deposit {Reference} is {Status}, not Queued");
        (Status, Rule, Refusal, DecidedAtUnixMs) = (DepositRequestStatus.Refused, rule, refusal, at.ToUnixTimeMilliseconds());
    }
}

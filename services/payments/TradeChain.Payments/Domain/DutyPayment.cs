using TradeChain.Domain;

namespace TradeChain.Payments.Domain;

/// <summary>
/// Requested → Settling (a bank's settlement begun, recorded before any money moves: for a bank whose key the service's
/// signer holds, the entry of the bank's queue that the DutySettlementWorker sends in a batch; otherwise the request's own
/// transfer — signed by the bank, or sent by its wallet — being made) → Settled; or Withdrawn before that — and Withdrawn →
/// Settled when a bank's wallet had sent the transfer itself before the withdrawal was known.
/// </summary>
public enum DutyPaymentStatus { Requested, Settling, Settled, Withdrawn }

/// <summary>A bank paid the duties: customs may release the goods.</summary>
public sealed record DutiesSettled(string Reference, Guid DeclarationId, decimal Amount, string Currency, string Bank, long SettledAtUnixMs) : IDomainEvent;

/// <summary>
/// Duties customs asked to collect on a declaration, and their settlement by a bank. Customs requests a payment (or
/// withdraws it, possibly before the request arrives); one bank settles it once, from the declarant's settlement account
/// to the customs treasury's, and customs hears of it (<see cref="DutiesSettled"/>). The bank's intent is recorded before
/// the money moves (Settling), so money never moves without its record: from then on a withdrawal no longer applies — it
/// is noted on the payment, and the settlement completes. A settled payment is never withdrawn.
/// </summary>
public sealed class DutyPayment : Aggregate
{
    private DutyPayment() { }

    /// <summary>The payment reference customs issued; unique, and the key of idempotency.</summary>
    public string Reference { get; private set; } = "";

    public Guid DeclarationId { get; private set; }

    /// <summary>The declarant who owes the duties.</summary>
    public string PayerParty { get; private set; } = "";

    public decimal Amount { get; private set; }

    public string Currency { get; private set; } = "";

    public DutyPaymentStatus Status { get; private set; }

    public string? SettledByBank { get; private set; }

    public string? DebtorAccount { get; private set; }

    /// <summary>Why customs withdrew it; also set when a withdrawal came after the settlement began (then not applied).</summary>
    public string? WithdrawalReason { get; private set; }

    public long RequestedAtUnixMs { get; private set; }

    public long? SettledAtUnixMs { get; private set; }

    /// <summary>The token transfer from the declarant's account to the customs treasury: the receipt on chain.</summary>
    public string? SettlementTransactionHash { get; private set; }

    /// <summary>
    /// While Settling: true when the settlement's own request makes the transfer (a transaction the bank signed or its wallet
    /// sent, or batching off), so the DutySettlementWorker leaves it alone. Stored this way round so that a row saved by a
    /// payments version from before this column (during a rolling upgrade, or before the migration) reads false: an entry
    /// of the bank's queue, as that version's worker took every Settling row — none is stranded.
    /// </summary>
    public bool SettledInRequest { get; private set; }

    /// <summary>
    /// True while Settling as an entry of the bank's queue — its intent saved for the service's signer to send in a batch
    /// (the DutySettlementWorker takes only these; in queries: Settling and not <see cref="SettledInRequest"/>).
    /// </summary>
    public bool SettlementQueued => Status == DutyPaymentStatus.Settling && !SettledInRequest;

    /// <summary>
    /// The rule under which the last settlement begun was given up, nothing having moved — <c>contract:&lt;Error&gt;</c> when
    /// the token refused the transfer, else the service's own (its history says why in words); null from the next beginning.
    /// </summary>
    public string? SettlementRefusal { get; private set; }

    /// <summary>Its type in the transition log.</summary>
    public const string RecordType = "duty-payment";

    public override string AggregateType => RecordType;

    public override string AggregateKey => Reference;

    public static DutyPayment Request(string reference, Guid declarationId, string payerParty, decimal amount, string currency, string actor, DateTimeOffset at)
    {
        if (amount <= 0) throw new DomainRuleViolation("amount-positive", $"A duty payment must be for a positive amount, not {amount}.");
        var payment = new DutyPayment
        {
            Reference = reference,
            DeclarationId = declarationId,
            PayerParty = payerParty,
            Amount = amount,
            Currency = currency,
            Status = DutyPaymentStatus.Requested,
            RequestedAtUnixMs = at.ToUnixTimeMilliseconds(),
        };
        payment.RecordTransition("new", nameof(DutyPaymentStatus.Requested), actor,
            $"customs requested {amount:0.00} {currency} from {payerParty} for declaration {declarationId}", null, at);
        return payment;
    }

    /// <summary>
    /// A withdrawal that overtook its request on the bus: the payment is recorded as withdrawn, so the request,
    /// when it arrives, finds it and no bank can settle it.
    /// </summary>
    public static DutyPayment WithdrawnBeforeRequest(string reference, Guid declarationId, string reason, string actor, DateTimeOffset at)
    {
        var payment = new DutyPayment
        {
            Reference = reference,
            DeclarationId = declarationId,
            Status = DutyPaymentStatus.Withdrawn,
            WithdrawalReason = reason,
            RequestedAtUnixMs = at.ToUnixTimeMilliseconds(),
        };
        payment.RecordTransition("new", nameof(DutyPaymentStatus.Withdrawn), actor, $"withdrawn by customs before its request arrived: {reason}", null, at);
        return payment;
    }

    /// <summary>
    /// The request that a withdrawal overtook has arrived: the withdrawn payment learns whom and what it was for (so the
    /// declarant and its bank can see it), and stays withdrawn.
    /// </summary>
    public bool CompleteWithdrawnRequest(string payerParty, decimal amount, string currency)
    {
        if (Status != DutyPaymentStatus.Withdrawn || PayerParty.Length > 0) return false;
        PayerParty = payerParty;
        Amount = amount;
        Currency = currency;
        return true;
    }

    /// <summary>True when <paramref name="bankParty"/> already settled it: settling again returns that settlement and moves no money.</summary>
    public bool IsSettledBy(string bankParty) => Status == DutyPaymentStatus.Settled && SettledByBank == bankParty;

    /// <summary>True while <paramref name="bankParty"/>'s settlement is under way: its retry completes it (the transfer is made once).</summary>
    public bool IsBeingSettledBy(string bankParty) => Status == DutyPaymentStatus.Settling && SettledByBank == bankParty;

    /// <summary>
    /// Throws unless <paramref name="bankParty"/> may settle the payment now — checked before any money moves: once, never
    /// after a withdrawal, and only in a currency with a settlement token (and, like every movement, only when it can be
    /// reported: <see cref="Movement.RequireReportable"/>).
    /// </summary>
    /// <param name="currencySettles">Whether the network has a settlement token for the payment's currency.</param>
    public void EnsureSettleable(string bankParty, bool currencySettles)
    {
        EnsureRequested(bankParty);
        if (!currencySettles) throw new DomainRuleViolation("currency-not-settled", $"{Currency} has no settlement token on this network.");
    }

    /// <summary>Throws unless the payment still awaits its settlement (or this bank's own settlement is under way): once, never after a withdrawal.</summary>
    private void EnsureRequested(string bankParty)
    {
        if (Status == DutyPaymentStatus.Settling && SettledByBank != bankParty)
            throw new DomainRuleViolation("settle-once", $"Payment {Reference} is being settled by another bank.");
        if (Status == DutyPaymentStatus.Settled)
            throw new DomainRuleViolation("settle-once", SettledByBank == bankParty
                ? $"Payment {Reference} was already settled by {SettledByBank}."
                : $"Payment {Reference} was already settled by another bank.");
        if (Status == DutyPaymentStatus.Withdrawn)
            throw new DomainRuleViolation("payment-withdrawn", $"Payment {Reference} was withdrawn by customs: {WithdrawalReason}.");
    }

    /// <summary>
    /// A bank begins to settle the duties: recorded (and saved) before the token transfer, so the money never moves
    /// without this record, and a withdrawal arriving meanwhile cannot replace it. Settling twice is refused: the money
    /// moves once.
    /// </summary>
    /// <param name="queued">The intent is an entry of the bank's queue, sent in a batch by the service's signer (<see cref="SettlementQueued"/>).</param>
    /// <returns>False when this bank's settlement is under way already (a retry resumes it, in the way it began).</returns>
    public bool BeginSettlement(string bankParty, string debtorAccount, string actor, DateTimeOffset at, bool queued = false)
    {
        EnsureRequested(bankParty);
        if (IsBeingSettledBy(bankParty)) return false;
        if (string.IsNullOrWhiteSpace(debtorAccount))
            throw new DomainRuleViolation("debtor-account-required", "The account to debit is required.");
        Status = DutyPaymentStatus.Settling;
        SettledByBank = bankParty;
        DebtorAccount = debtorAccount;
        SettledInRequest = !queued;
        SettlementRefusal = null;
        RecordTransition(nameof(DutyPaymentStatus.Requested), nameof(DutyPaymentStatus.Settling), actor,
            $"{bankParty} settles {Amount:0.00} {Currency} from account {debtorAccount} to the customs treasury: " +
            (queued ? "token transfer queued for the bank's next batch" : "token transfer under way"), null, at);
        return true;
    }

    /// <summary>True when customs withdrew the payment after this settlement began (noted on it, not applied).</summary>
    public bool WithdrawalNoted => Status == DutyPaymentStatus.Settling && WithdrawalReason is not null;

    /// <summary>
    /// <paramref name="bankParty"/>'s settlement did not move the money (its transfer was refused, or never sent) and will
    /// not: the payment awaits a settlement again — or, if customs withdrew it meanwhile, the withdrawal now applies.
    /// </summary>
    /// <param name="rule">The rule that refused it (<see cref="SettlementRefusal"/>); <paramref name="why"/>, the same in words.</param>
    /// <returns>True when the payment is now withdrawn.</returns>
    public bool AbandonSettlement(string bankParty, string actor, DateTimeOffset at, string rule, string why)
    {
        if (!IsBeingSettledBy(bankParty))
            throw new DomainRuleViolation("settle-once", $"Payment {Reference} is {Status}, not being settled by {bankParty}.");
        var withdrawn = WithdrawalReason is not null;
        Status = withdrawn ? DutyPaymentStatus.Withdrawn : DutyPaymentStatus.Requested;
        SettledByBank = null;
        DebtorAccount = null;
        SettledInRequest = false;
        SettlementRefusal = rule;
        RecordTransition(nameof(DutyPaymentStatus.Settling), Status.ToString(), actor, withdrawn
            ? $"{bankParty}'s transfer was not made ({why}); customs' withdrawal applies: {WithdrawalReason}"
            : $"{bankParty}'s transfer was not made ({why}): the payment awaits its settlement again", null, at);
        return withdrawn;
    }

    /// <summary>The bank's token transfer <paramref name="transactionHash"/> was made: the payment is settled and customs hears of it.</summary>
    public void CompleteSettlement(string bankParty, string actor, DateTimeOffset at, string transactionHash)
    {
        if (!IsBeingSettledBy(bankParty))
            throw new DomainRuleViolation("settle-once", $"Payment {Reference} is {Status}, not being settled by {bankParty}.");
        Status = DutyPaymentStatus.Settled;
        SettledInRequest = false;
        SettledAtUnixMs = at.ToUnixTimeMilliseconds();
        SettlementTransactionHash = transactionHash;
        RecordTransition(nameof(DutyPaymentStatus.Settling), nameof(DutyPaymentStatus.Settled), actor,
            $"{Amount:0.00} {Currency} settled by {bankParty} from account {DebtorAccount} to the customs treasury (token transfer, tx {transactionHash})", null, at);
        Raise(new DutiesSettled(Reference, DeclarationId, Amount, Currency, bankParty, SettledAtUnixMs.Value));
    }

    /// <summary>Withdrawn by customs with no settlement recorded: a wallet's transfer made before the withdrawal may still be (<see cref="SettleAfterWithdrawal"/>).</summary>
    public bool WithdrawnUnsettled => Status == DutyPaymentStatus.Withdrawn && SettlementTransactionHash is null;

    /// <summary>
    /// The bank's own wallet sent the transfer <paramref name="transactionHash"/> (checked on chain: exactly this payment's)
    /// before TradeChain knew of it, and customs withdrew the payment meanwhile. The money moved, so the payment is
    /// recorded settled — the withdrawal stays noted on it (returning the duty is a refund) — and customs is told (it notes a
    /// settlement of a payment it no longer awaits; it does not apply it).
    /// </summary>
    public void SettleAfterWithdrawal(string bankParty, string debtorAccount, string actor, DateTimeOffset at, string transactionHash)
    {
        if (!WithdrawnUnsettled)
            throw new DomainRuleViolation("settle-once", $"Payment {Reference} is {Status}, not withdrawn before its settlement was recorded.");
        Status = DutyPaymentStatus.Settled;
        SettledByBank = bankParty;
        DebtorAccount = debtorAccount;
        SettledAtUnixMs = at.ToUnixTimeMilliseconds();
        SettlementTransactionHash = transactionHash;
        RecordTransition(nameof(DutyPaymentStatus.Withdrawn), nameof(DutyPaymentStatus.Settled), actor,
            $"{Amount:0.00} {Currency} settled by {bankParty} from account {debtorAccount} to the customs treasury (token transfer its wallet sent, tx {transactionHash}) after customs withdrew the payment ({WithdrawalReason}): the money moved, so the settlement is recorded; returning it is a refund",
            null, at);
        Raise(new DutiesSettled(Reference, DeclarationId, Amount, Currency, bankParty, SettledAtUnixMs.Value));
    }

    /// <summary>
    /// Customs no longer needs the payment. Once a bank's settlement has begun it is not withdrawn — its money moves, or
    /// moved, under this record — but the withdrawal is noted on it, once (returning the duty is a refund, a separate matter).
    /// </summary>
    /// <returns>False when it was not withdrawn (already withdrawn, or being settled or settled).</returns>
    public bool Withdraw(string reason, string actor, DateTimeOffset at)
    {
        if (Status is DutyPaymentStatus.Settling or DutyPaymentStatus.Settled && WithdrawalReason is null)
        {
            WithdrawalReason = reason;
            RecordTransition(Status.ToString(), Status.ToString(), actor,
                $"withdrawn by customs after {SettledByBank} began settling it ({reason}): not applied — the settlement stands", null, at);
            return false;
        }
        if (Status != DutyPaymentStatus.Requested) return false;
        Status = DutyPaymentStatus.Withdrawn;
        WithdrawalReason = reason;
        RecordTransition(nameof(DutyPaymentStatus.Requested), nameof(DutyPaymentStatus.Withdrawn), actor, $"withdrawn by customs: {reason}", null, at);
        return true;
    }
}

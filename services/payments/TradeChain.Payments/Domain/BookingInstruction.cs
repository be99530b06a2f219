using TradeChain.Domain;

namespace TradeChain.Payments.Domain;

public enum BookingInstructionStatus { Queued, Booked, Refused }

/// <summary>
/// A bank's deposit on an account it keeps (a mint) or withdrawal from it (a burn), asked by its request and sent by the
/// process that signs for the bank (<c>BookingSender</c>, where Payments:SettlementWorkerEnabled: payments-worker on
/// Kubernetes), so that a bank's account has one writer however many API replicas take its requests. Queued until the
/// chain shows the movement (then Booked, with its transaction; the ledger entry and the camt.054 are saved with it) or the
/// token refuses it (Refused, the rule named) — or its bank cancels it (Refused under <see cref="CancelledRule"/>: see
/// <see cref="CancelAskedBy"/>). Idempotent on the account (party, currency), kind and reference, as the booking it
/// becomes: asked again, the same instruction (one refused is queued anew; one whose cancel was asked is refused). A send that failed (the node unreachable, an outcome not known yet) leaves it Queued and
/// says so: how many attempts failed, the last failure and when.
/// </summary>
public sealed class BookingInstruction
{
    public Guid Id { get; set; }

    /// <summary><see cref="LedgerEntryKind.Deposit"/> or <see cref="LedgerEntryKind.Withdrawal"/>.</summary>
    public LedgerEntryKind Kind { get; set; }

    /// <summary>The bank that asked (the account's servicing bank when asked) and whose key mints or burns.</summary>
    public string Bank { get; set; } = "";

    public string Party { get; set; } = "";

    public string Currency { get; set; } = "";

    /// <summary>The bank's booking reference (the ledger entry's; on chain, hashed with the kind and party into the movement's reference).</summary>
    public string Reference { get; set; } = "";

    /// <summary>The amount moved, in minor units, positive for either kind (the ledger entry of a withdrawal is its negative).</summary>
    public long AmountMinor { get; set; }

    /// <summary>Who at the bank asked (shown to the bank; the ledger entry and the camt.054 name the bank).</summary>
    public string RequestedBy { get; set; } = "";

    public long RequestedAtUnixMs { get; set; }

    public BookingInstructionStatus Status { get; set; }

    /// <summary>The movement's transaction once Booked.</summary>
    public string? TransactionHash { get; set; }

    /// <summary>Why it was Refused: the rule (e.g. contract:AccountNotOpen) and its words.</summary>
    public string? Rule { get; set; }

    public string? Refusal { get; set; }

    public long? DecidedAtUnixMs { get; set; }

    /// <summary>How many sends of it failed in a row without an outcome (it stays Queued and is sent again after a backoff).</summary>
    public int FailedAttempts { get; set; }

    /// <summary>The last such failure, in a sentence (at most <see cref="MaxFailureLength"/> characters), and when.</summary>
    public string? LastFailure { get; set; }

    public long? LastFailureAtUnixMs { get; set; }

    /// <summary>
    /// Who at the bank asked to cancel it while it was Queued, and when. Not sent again from then on (a send already under
    /// way runs to its outcome): the sender voids its reference on chain (a bank it no longer signs for: decided from the
    /// chain after a wait, no void), and books what an attempt made before the void, or
    /// records it cancelled (Refused under <see cref="CancelledRule"/>) once the void is mined.
    /// Its reference is then spent: asked again under it, refused (reference-cancelled).
    /// </summary>
    public string? CancelAskedBy { get; set; }

    public long? CancelAskedAtUnixMs { get; set; }

    /// <summary>The rule of an instruction its bank cancelled: Refused by the bank, not the token — nothing moved.</summary>
    public const string CancelledRule = "cancelled";

    /// <summary>How much of the name of who asked a cancel is kept (the sign-in's actor; longer is cut).</summary>
    public const int MaxActorLength = 200;

    /// <summary>The record kind its waiters follow (<c>RecordChanges.KeyOf(RecordType, Id)</c>) and the sender wakes on (any of it).</summary>
    public const string RecordType = "booking";

    /// <summary>The longest failure kept (the node's words can be long).</summary>
    public const int MaxFailureLength = 500;

    /// <summary>"deposit" or "withdrawal", as the API and the ledger name it.</summary>
    public string What => Kind.Name();

    /// <summary><see cref="What"/> beginning a sentence: "Deposit" or "Withdrawal".</summary>
    public string WhatCapitalised => Capitalised(What);

    /// <summary>What the token does for it: "minted" or "burnt".</summary>
    public string Done => DoneOf(Kind);

    /// <summary>The token's step that makes it: "mint" or "burn" (as a chain failure names its step).</summary>
    public string ChainStep => Kind == LedgerEntryKind.Deposit ? "mint" : "burn";

    /// <summary>What the token does for a <paramref name="kind"/> of booking: "minted" or "burnt".</summary>
    public static string DoneOf(LedgerEntryKind kind) => kind == LedgerEntryKind.Deposit ? "minted" : "burnt";

    /// <summary>A new instruction, Queued.</summary>
    public static BookingInstruction Ask(LedgerEntryKind kind, string bank, string actor, SettlementAccount account, long amountMinor, string reference, DateTimeOffset at)
    {
        kind.RequireBankBooking();
        if (amountMinor <= 0) throw new DomainRuleViolation("amount-positive", $"A {kind.Name()}'s amount must be more than zero.");
        if (string.IsNullOrWhiteSpace(actor)) throw new ArgumentException($"a {kind.Name()} is asked by someone at the bank", nameof(actor));
        account.RequireServicedBy(bank);
        return new BookingInstruction
        {
            Id = Guid.NewGuid(), Kind = kind, Bank = bank, Party = account.Party, Currency = account.Currency, Reference = reference, AmountMinor = amountMinor,
            RequestedBy = actor, RequestedAtUnixMs = at.ToUnixTimeMilliseconds(), Status = BookingInstructionStatus.Queued,
        };
    }

    /// <summary>The same reference asked again on the account: the same instruction, unless its amount differs (refused: a reference books one movement).</summary>
    public void RequireSameAs(long amountMinor)
    {
        if (AmountMinor != amountMinor)
            throw new DomainRuleViolation("reference-used",
                $"{What} reference {Reference} was asked already on this account for {LedgerEntry.FromMinor(AmountMinor)} {Currency}, not {LedgerEntry.FromMinor(amountMinor)}: use a new reference for another {What}.");
    }

    /// <summary>Asked again after the token's refusal: queued once more (the bank may have fixed what the token refused). One whose cancel was asked never comes here (<see cref="RequireNotCancelled"/>).</summary>
    public void AskAgain(string actor, DateTimeOffset at)
    {
        if (Status != BookingInstructionStatus.Refused) return;
        (Status, Rule, Refusal, DecidedAtUnixMs, RequestedBy, RequestedAtUnixMs) = (BookingInstructionStatus.Queued, null, null, null, actor, at.ToUnixTimeMilliseconds());
        (FailedAttempts, LastFailure, LastFailureAtUnixMs, CancelAskedBy, CancelAskedAtUnixMs) = (0, null, null, null, null);
    }

    /// <summary>
    /// The bank asks to cancel it. Queued: noted (the sender decides — cancelled, or booked when an attempt made it already);
    /// Refused (or cancelled): decided, nothing to note; Booked: refused, the movement is made.
    /// </summary>
    /// <returns>True when asked now; false when there is nothing to note (asked already, or refused).</returns>
    public bool AskCancel(string actor, DateTimeOffset at)
    {
        if (Status == BookingInstructionStatus.Booked) throw BookingMade(Kind, Reference, TransactionHash);
        if (string.IsNullOrWhiteSpace(actor)) throw new ArgumentException("a cancel is asked by someone at the bank", nameof(actor));
        if (Status != BookingInstructionStatus.Queued || CancelAskedBy is not null) return false;
        (CancelAskedBy, CancelAskedAtUnixMs) = (actor.Length <= MaxActorLength ? actor : actor[..MaxActorLength], at.ToUnixTimeMilliseconds());
        (FailedAttempts, LastFailure, LastFailureAtUnixMs) = (0, null, null); // the sends' failures are over: what follows is the cancel's
        return true;
    }

    /// <summary>
    /// A cancel asked, decided: the chain made nothing of it, and nothing sent for it can be made any more — by
    /// <paramref name="proof"/> (its reference voided on chain in <paramref name="voidedIn"/> — by this service's writer, or by
    /// the bank itself; null when this service's void found an earlier one; its reference taken by another movement of the bank; or, for a bank this service no longer signs for, every
    /// transaction of the bank sent before the cancel mined).
    /// </summary>
    public void MarkCancelled(DateTimeOffset at, CancelProof proof, string? voidedIn = null)
    {
        if (CancelAskedBy is null) throw new InvalidOperationException($"{What} {Reference}: no cancel was asked");
        var why = proof switch
        {
            CancelProof.Voided => $"its reference is voided on chain{(voidedIn is null ? "" : $" (transaction {voidedIn})")}, so nothing can be {Done} under it",
            CancelProof.ReferenceTaken => $"its reference is bound on chain to another movement of the bank, so nothing can be {Done} under it",
            CancelProof.EarlierTransactionsMined => "every transaction its bank had sent before the cancel is mined without making it, and this service, " +
                                                    "which no longer signs for the bank, sends nothing for it",
            _ => throw new ArgumentOutOfRangeException(nameof(proof), proof, "not a proof of a cancel"),
        };
        MarkRefused(CancelledRule, $"{WhatCapitalised} {Reference} was cancelled by {CancelAskedBy} before the chain made it: nothing was {Done}, and {why}.", at);
    }

    /// <summary>
    /// Asked again under its reference: refused once a cancel was asked of it (a client's retry of the first request must
    /// not bring back what the bank cancelled) — a new reference asks anew.
    /// </summary>
    public void RequireNotCancelled()
    {
        if (CancelAskedBy is null || Status == BookingInstructionStatus.Booked) return;
        throw new DomainRuleViolation("reference-cancelled", Status == BookingInstructionStatus.Refused
            ? $"{Refusal} Its reference is spent: ask it again under a new reference."
            : $"{WhatCapitalised} {Reference} is being cancelled (asked by {CancelAskedBy}): it is not sent again. Ask it again under a new reference.");
    }

    /// <summary>
    /// The refusal of a cancel of a deposit or withdrawal booked already (by the sender, or in its request): made in
    /// <paramref name="transactionHash"/>, and undone only by the opposite movement.
    /// </summary>
    public static DomainRuleViolation BookingMade(LedgerEntryKind kind, string reference, string? transactionHash) =>
        new("booking-made",
            $"{Capitalised(kind.Name())} {reference} was {DoneOf(kind)} and booked in transaction {transactionHash}: " +
            $"it cannot be cancelled. Book a {(kind == LedgerEntryKind.Deposit ? "withdrawal" : "deposit")} of it to undo it.");

    private static string Capitalised(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    /// <summary>A send that came to no outcome: it stays Queued, and says why.</summary>
    public void NoteFailure(string failure, DateTimeOffset at)
    {
        if (Status != BookingInstructionStatus.Queued) return;
        FailedAttempts++;
        LastFailure = failure.Length <= MaxFailureLength ? failure : failure[..(MaxFailureLength - 1)] + "…";
        LastFailureAtUnixMs = at.ToUnixTimeMilliseconds();
    }

    /// <summary>
    /// The chain shows the movement: booked in <paramref name="transactionHash"/> — also over a refusal recorded before (the
    /// chain is what happened: a refusal another sender recorded while this one's transaction was still to be mined).
    /// </summary>
    public void MarkBooked(string transactionHash, DateTimeOffset at)
    {
        if (Status == BookingInstructionStatus.Booked) throw new InvalidOperationException($"{What} {Reference} is Booked already");
        if (string.IsNullOrEmpty(transactionHash)) throw new ArgumentException($"a booked {What} names its transaction", nameof(transactionHash));
        (Status, TransactionHash, DecidedAtUnixMs, Rule, Refusal) = (BookingInstructionStatus.Booked, transactionHash, at.ToUnixTimeMilliseconds(), null, null);
    }

    /// <summary>The token refused the movement under <paramref name="rule"/>: nothing moved.</summary>
    public void MarkRefused(string rule, string refusal, DateTimeOffset at)
    {
        if (Status != BookingInstructionStatus.Queued) throw new InvalidOperationException($"{What} {Reference} is {Status}, not Queued");
        (Status, Rule, Refusal, DecidedAtUnixMs) = (BookingInstructionStatus.Refused, rule, refusal, at.ToUnixTimeMilliseconds());
    }
}

/// <summary>Why a cancelled deposit or withdrawal can never be made (<see cref="BookingInstruction.MarkCancelled"/>).</summary>
public enum CancelProof
{
    /// <summary>Its bank voided its reference on chain (SettlementToken.voidReference): every payment under it is refused.</summary>
    Voided,

    /// <summary>Its reference is bound on chain to another movement of the bank: nothing else can use it.</summary>
    ReferenceTaken,

    /// <summary>A bank this service no longer signs for: every transaction of the bank sent before the cancel is mined.</summary>
    EarlierTransactionsMined,
}

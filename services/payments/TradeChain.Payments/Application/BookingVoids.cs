using Microsoft.EntityFrameworkCore;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.Payments.Application;

/// <summary>What a void's pending signature holds: the queued booking whose cancel it proves.</summary>
public sealed record BookingVoidStep(Guid InstructionId);

/// <summary>
/// The void of a queued booking's reference that its bank signs itself (Kind <see cref="StepKind"/>). A bank that signs its
/// own transactions since its deposit or withdrawal was queued (<c>Parties:SelfSigned</c>) asks to cancel it; nothing here
/// can void the reference for it. So the cancel's request, and the sender (<see cref="BookingSender"/>) at each look that
/// leaves the cancel undecided, queue this signature for the bank (<see cref="AskAsync"/>; unlike a credit step, the cancel
/// itself is saved already and does not wait for it). Once the bank has signed it (<c>POST /signatures/{id}</c>,
/// <see cref="ResumeAsync"/>) and it is mined, the token binds the reference to nothing moved, and the sender — which reads
/// the chain every few seconds while the cancel waits — records the cancel from the void, naming its transaction (read
/// from its event, whoever sent it), proved as any void this service sends. A void the bank sent otherwise (its wallet)
/// completes the signature (<see cref="CompleteAsync"/>); a booking made before the cancel closes it (<see cref="CloseAsync"/>).
/// Unsigned, the cancel is decided from the chain without it after one send's longest time (payments README, "Cancel"),
/// and the void still awaits until it expires: signed then, it binds the reference for good — or, should the chain show
/// the movement made under it after all, that movement is booked with an ALERT (<see cref="MadeAfterAllAsync"/>).
/// </summary>
public sealed class BookingVoids(PaymentsDbContext db, SettlementLedger ledger, SignatureQueue queue, Iso20022Recorder iso, TimeProvider clock, ILogger<BookingVoids> logger)
    : ISignedStep
{
    public const string StepKind = "booking-void";

    public string Kind => StepKind;

    public string NothingTaken => "nothing was sent for it";

    /// <summary>The subject of the void of <paramref name="instruction"/>: at most one awaits the bank per instruction.</summary>
    public static string Subject(BookingInstruction instruction) => instruction.Id.ToString("N");

    /// <summary>What the bank is asked to sign, in words (at most <see cref="PendingSignature.MaxPurpose"/> characters).</summary>
    public static string Purpose(BookingInstruction instruction)
    {
        var purpose = $"Cancel of {instruction.What} {instruction.Reference} on {instruction.Party}'s {instruction.Currency} account: voids its reference on chain " +
                      $"(SettlementToken.voidReference, signed by {instruction.Bank}), so that nothing can ever be {instruction.Done} under it. Unsigned, the cancel is " +
                      $"decided without it a few minutes after it was asked; signed, by it. Asked by {instruction.CancelAskedBy}.";
        return purpose.Length <= PendingSignature.MaxPurpose ? purpose : purpose[..(PendingSignature.MaxPurpose - 1)] + "…";
    }

    /// <summary>
    /// Queues the void of <paramref name="instruction"/>'s reference for its bank to sign, unless one awaits it already (one
    /// found expired is closed and replaced), and saves it. Best effort: nothing is queued — and null answered — when the bank
    /// has too many voids waiting (<see cref="PendingSignature.MaxAwaitingPerParty"/> of this kind), when the chain refuses the void as it stands (its reference bound meanwhile: the
    /// sender decides from that) or cannot be reached, or when another request or process queued it at the same moment; the
    /// sender asks again at its next look while the cancel waits.
    /// </summary>
    /// <returns>The signature awaited, or null when none is.</returns>
    public async Task<PendingSignature?> AskAsync(BookingInstruction instruction, CancellationToken ct)
    {
        try
        {
            var (open, expired) = await queue.OpenAsync(StepKind, Subject(instruction), ct);
            foreach (var lapsed in expired) await queue.AbandonAsync(this, lapsed, ct);
            if (open is not null) return open;
            // Counted before the chain is asked for the transaction (AddAsync counts again): a bank at its bound costs no node calls.
            if (await queue.AwaitingCountAsync(instruction.Bank, StepKind, ct) >= PendingSignature.MaxAwaitingPerParty) return null;
            var transaction = await ledger.PrepareVoidAsync(instruction, ct);
            var needed = new PartySignatureRequiredException(instruction.Bank, ledger.Wallets.AddressOf(instruction.Bank), transaction);
            var pending = await queue.AddAsync(needed, TradeChain.ServiceDefaults.Auth.Roles.Bank, StepKind, Subject(instruction), Purpose(instruction),
                new Caller(instruction.Bank, instruction.CancelAskedBy ?? ""), new BookingVoidStep(instruction.Id), ct);
            await db.SaveChangesAsync(ct);
            logger.LogInformation("The cancel of {Kind} {Reference} on {Party}'s {Currency} account: the void of its reference awaits {Bank}'s signature (it signs itself)",
                instruction.What, instruction.Reference, instruction.Party, instruction.Currency, instruction.Bank);
            return pending;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            db.ChangeTracker.Clear();
            logger.LogInformation("The void of {Kind} {Reference}'s reference was not queued for {Bank}'s signature now ({Why}): asked again at the next look",
                instruction.What, instruction.Reference, instruction.Bank, e.Message);
            return null;
        }
    }

    /// <summary>
    /// The booking of <paramref name="instruction"/> was made before its cancel (<paramref name="decided"/>, in words): its void
    /// still awaited is closed (overtaken) — the reference is bound to the movement, the void would be refused.
    /// </summary>
    public Task CloseAsync(BookingInstruction instruction, string decided) => CloseAwaitingAsync(instruction, "closed", pending =>
        pending.Overtake($"Not needed any more: {instruction.What} {instruction.Reference} was {decided}; {NothingTaken}.", clock.GetUtcNow()));

    /// <summary>
    /// The cancel of <paramref name="instruction"/> decided by a void the bank sent otherwise than through its awaited
    /// signature (its wallet, its own tools; in <paramref name="voidedIn"/>): the signature is completed with that void, so that
    /// the bank is not left asked to sign a void that is done (and that went stale with it).
    /// </summary>
    public Task CompleteAsync(BookingInstruction instruction, string voidedIn) => CloseAwaitingAsync(instruction, "completed", pending =>
        pending.Complete(voidedIn, $"The reference of {instruction.What} {instruction.Reference} is voided on chain (transaction {voidedIn}, sent by {instruction.Bank} " +
                                   "otherwise than through this signature): nothing more to sign.", clock.GetUtcNow()));

    /// <summary>The void awaiting the bank's signature for <paramref name="instruction"/>, if any, closed by <paramref name="close"/> and saved; one being submitted at this moment is left to its own outcome.</summary>
    private async Task CloseAwaitingAsync(BookingInstruction instruction, string done, Action<PendingSignature> close)
    {
        try
        {
            var subject = Subject(instruction);
            var awaiting = await db.PendingSignatures.Where(p => p.Kind == StepKind && p.Subject == subject && p.Status == PendingSignatureStatus.Awaiting).ToListAsync();
            awaiting.ForEach(close);
            await db.SaveChangesAsync();
            foreach (var pending in awaiting.Where(p => p.AbandonmentDue)) await queue.AbandonAsync(this, pending, CancellationToken.None);
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException)
        {
            logger.LogInformation(e, "The void of {Kind} {Reference}'s reference awaiting {Bank}'s signature was not {Done}", instruction.What, instruction.Reference, instruction.Bank, done);
        }
    }

    /// <summary>
    /// The bank's void, sent (<paramref name="signer"/>: the bank's signed transaction, sent once) or mined already
    /// (<paramref name="mined"/>: sent by its wallet, checked to be exactly this call by its account): the signature
    /// completed. The cancel itself is recorded by the sender, which reads the void on chain. A void refused because the
    /// reference is bound already goes through <see cref="MadeAfterAllAsync"/> (which may book the movement and save that).
    /// </summary>
    /// <exception cref="DomainRuleViolation">signature-not-needed: the booking was made, refused by the token, or its reference is bound already.</exception>
    /// <exception cref="ChainOutcomeUnknownException">What the reference is bound to cannot be read yet (503; the signature stays as it is).</exception>
    public async Task ResumeAsync(PendingSignature pending, ChainWriter? signer, ChainReceipt? mined, CancellationToken ct)
    {
        var instruction = await HeldAsync(pending, ct);
        string? voidedIn;
        if (mined is not null) voidedIn = mined.TransactionHash;
        else
        {
            RequireVoidable(instruction);
            var (bound, sent) = await ledger.Chain.VoidReferenceAsync(signer!, instruction.Currency, SettlementLedger.BookingReference(instruction), ct);
            if (!bound.IsVoid) throw await MadeAfterAllAsync(instruction, ct);
            voidedIn = sent;
        }
        var recorded = instruction.Status == BookingInstructionStatus.Queued ? "its cancel is recorded from the chain" : "its cancel was recorded already";
        pending.Complete(voidedIn ?? "",
            $"The reference of {instruction.What} {instruction.Reference} is voided on chain{(voidedIn is null ? " (by an earlier void)" : "")}: nothing can be {instruction.Done} under it; {recorded}.",
            clock.GetUtcNow());
    }

    /// <summary>The bank's void as the chain stands now (its stored transaction went stale): prepared only, nothing sent or saved.</summary>
    /// <exception cref="DomainRuleViolation">signature-not-needed: the booking was made or refused by the token, or its reference is
    /// bound already (voided, or the movement made: then booked, <see cref="MadeAfterAllAsync"/>).</exception>
    /// <exception cref="ChainOutcomeUnknownException">What the reference is bound to cannot be read yet (503; the signature stays as it is).</exception>
    public async Task<UnsignedTransaction> PrepareAgainAsync(PendingSignature pending, CancellationToken ct)
    {
        var instruction = await HeldAsync(pending, ct);
        RequireVoidable(instruction);
        try
        {
            return await ledger.PrepareVoidAsync(instruction, ct);
        }
        catch (ChainRevertedException bound) when (bound.Rule == ChainRevertedException.RuleOf("DuplicateReference"))
        {
            throw await MadeAfterAllAsync(instruction, ct, bound);
        }
    }

    /// <summary>
    /// The void refused: the reference is bound already — to a void (nothing to do: the sender records the cancel from it), to
    /// another movement, or to exactly this booking's movement. The last is booked now (the entry, the holder's camt.054, the
    /// instruction Booked; saved here): for a cancel recorded without proof (a bank that did not sign the void in time) with an
    /// ALERT — money the ledger said never moved, and the only place the service learns that such a cancel was wrong; for one
    /// still queued (made before its cancel, the sender not there yet) as the sender would.
    /// </summary>
    /// <returns>The refusal to give the signer (signature-not-needed, saying which).</returns>
    /// <exception cref="ChainOutcomeUnknownException">The binding cannot be read yet (a node behind another): nothing decided.</exception>
    private async Task<DomainRuleViolation> MadeAfterAllAsync(BookingInstruction instruction, CancellationToken ct, Exception? inner = null)
    {
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Party == instruction.Party && a.Currency == instruction.Currency, ct);
        string? madeIn, voidedIn;
        try
        {
            (madeIn, _, voidedIn) = await ledger.UnsignedCancelOnChainAsync(instruction, account.Address, null);
        }
        catch (ChainRevertedException other)
        {
            return new DomainRuleViolation("signature-not-needed", $"The reference of {instruction.What} {instruction.Reference} is bound on chain to another movement of the bank: nothing to void. {other.Error}");
        }
        catch (InvalidOperationException unread)
        {
            throw new ChainOutcomeUnknownException("voidReference", $"the reference of {instruction.What} {instruction.Reference} is bound on chain, but its transaction could not be read yet", unread);
        }
        if (voidedIn is not null)
            return new DomainRuleViolation("signature-not-needed", $"The reference of {instruction.What} {instruction.Reference} is voided on chain already (transaction {voidedIn}).");
        if (madeIn is null)
            throw new ChainOutcomeUnknownException("voidReference", $"the void of {instruction.What} {instruction.Reference} was refused ({inner?.Message ?? "bound"}), but the chain shows nothing under its reference yet", inner);
        var tracked = await db.BookingInstructions.SingleAsync(i => i.Id == instruction.Id, ct);
        if (tracked.Status != BookingInstructionStatus.Booked)
        {
            if (tracked.Status == BookingInstructionStatus.Refused)
                logger.LogError("ALERT the {Kind} {Reference} on {Party}'s {Currency} account was recorded refused ({Rule}), but the chain shows it made in {Transaction} " +
                                "(found when its bank's void was refused): booked", instruction.What, instruction.Reference, instruction.Party, instruction.Currency, tracked.Rule, madeIn);
            else
                logger.LogWarning("The {Kind} {Reference} on {Party}'s {Currency} account was made before its cancel, in {Transaction} (found when its bank's void was refused): booked",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, madeIn);
            var bookedIn = await ledger.BookMadeAsync(db, iso, tracked, madeIn, clock.GetUtcNow());
            if (bookedIn != madeIn)
                logger.LogError("ALERT {Kind} {Reference} on {Party}'s {Currency} account: booked in transaction {Booked}, but the chain answers {Made} for its reference",
                    instruction.What, instruction.Reference, instruction.Party, instruction.Currency, bookedIn, madeIn);
            await db.SaveChangesAsync(ct);
        }
        db.ChangeTracker.Clear();
        return new DomainRuleViolation("signature-not-needed",
            $"{instruction.WhatCapitalised} {instruction.Reference} was {instruction.Done} on chain before the void (transaction {madeIn}): it is booked, not cancelled; nothing to void.");
    }

    /// <summary>Nothing was sent before the void: nothing to undo (the cancel is decided from the chain without it).</summary>
    public Task AbandonedAsync(PendingSignature pending, CancellationToken ct) => Task.CompletedTask;

    private async Task<BookingInstruction> HeldAsync(PendingSignature pending, CancellationToken ct)
    {
        var step = SignatureQueue.Step<BookingVoidStep>(pending);
        return await db.BookingInstructions.AsNoTracking().SingleOrDefaultAsync(i => i.Id == step.InstructionId, ct)
               ?? throw new DomainRuleViolation("signature-not-needed", "The booking this void was for no longer exists.");
    }

    /// <summary>
    /// Its reference may be voided: the booking waits for its cancel, or was cancelled (the void then binds a reference the
    /// fallback decided on without proof). Not one booked, nor one the token refused (it may be asked again under its reference).
    /// </summary>
    private static void RequireVoidable(BookingInstruction instruction)
    {
        if (instruction.CancelAskedBy is not null && (instruction.Status == BookingInstructionStatus.Queued || instruction.Rule == BookingInstruction.CancelledRule)) return;
        throw new DomainRuleViolation("signature-not-needed", instruction.Status == BookingInstructionStatus.Booked
            ? $"{instruction.WhatCapitalised} {instruction.Reference} was {instruction.Done} and booked in transaction {instruction.TransactionHash}: its reference needs no void."
            : $"{instruction.WhatCapitalised} {instruction.Reference} was refused by the token ({instruction.Rule}): its reference is not voided, so that it may be asked again.");
    }
}

using Microsoft.EntityFrameworkCore;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.Payments.Application;

/// <summary>What a void's pending signature holds: the queued booking whose cancel it proves.</summary>
public sealed record BookingVoidStep(Guid InstructionId);

/// <summary>
/// The void of a queued booking's reference that its bank signs itself (Kind <see cref="StepKind"/>): a bank that signs its
/// own transactions since its deposit or withdrawal was queued (<c>Parties:SelfSigned</c>) asks to cancel it, and nothing
/// here can void the reference for it (<see cref="BookingSender"/>). The sender queues this signature for the bank; once
/// the bank signs and its void is mined, the token binds the reference to nothing moved, and the sender records the cancel
/// from the chain on its next look — proved as any cancel whose void this service sent. Without the signature the cancel
/// is still decided from the chain after one send's longest time (payments README, "Cancel").
/// </summary>
public sealed class BookingVoids(PaymentsDbContext db, SettlementLedger ledger, TimeProvider clock) : ISignedStep
{
    public const string StepKind = "booking-void";

    public string Kind => StepKind;

    public string NothingTaken => "the reference was not voided";

    /// <summary>The subject of the void of <paramref name="instruction"/>: at most one awaits the bank per instruction.</summary>
    public static string Subject(BookingInstruction instruction) => instruction.Id.ToString("N");

    /// <summary>What the bank is asked to sign, in words.</summary>
    public static string Purpose(BookingInstruction instruction) =>
        $"Cancel of {instruction.What} {instruction.Reference} on {instruction.Party}'s {instruction.Currency} account, asked by {instruction.CancelAskedBy}: " +
        $"voids its reference on chain (SettlementToken.voidReference, signed by {instruction.Bank}), so that nothing can be {instruction.Done} under it.";

    /// <summary>
    /// The bank's void, sent (<paramref name="signer"/>: the bank's signed transaction, sent once) or mined already
    /// (<paramref name="mined"/>: sent by its wallet, checked to be exactly this call by its account): the signature
    /// completed. The cancel itself is recorded by the sender, which reads the void on chain.
    /// </summary>
    /// <exception cref="DomainRuleViolation">signature-not-needed: the booking is decided, or its reference is bound to the movement.</exception>
    public async Task ResumeAsync(PendingSignature pending, ChainWriter? signer, ChainReceipt? mined, CancellationToken ct)
    {
        var instruction = await HeldAsync(pending, ct);
        string? voidedIn;
        if (mined is not null) voidedIn = mined.TransactionHash;
        else
        {
            RequireQueued(instruction);
            var (bound, sent) = await ledger.Chain.VoidReferenceAsync(signer!, instruction.Currency, Reference(instruction), ct);
            if (!bound.IsVoid)
                throw new DomainRuleViolation("signature-not-needed",
                    $"{instruction.WhatCapitalised} {instruction.Reference} was {instruction.Done} on chain before the void (block {bound.BlockNumber}): it is booked, not cancelled.");
            voidedIn = sent;
        }
        pending.Complete(voidedIn ?? "",
            $"The reference of {instruction.What} {instruction.Reference} is voided on chain{(voidedIn is null ? " (by an earlier void)" : "")}: nothing can be {instruction.Done} under it; " +
            "its cancel is recorded from the chain.", clock.GetUtcNow());
    }

    /// <summary>The bank's void as the chain stands now (its stored transaction went stale): prepared only, nothing sent or saved.</summary>
    /// <exception cref="DomainRuleViolation">signature-not-needed: the booking is decided.</exception>
    /// <exception cref="ChainRevertedException">DuplicateReference: its reference is bound already (voided, or the movement made).</exception>
    public async Task<UnsignedTransaction> PrepareAgainAsync(PendingSignature pending, CancellationToken ct)
    {
        var instruction = await HeldAsync(pending, ct);
        RequireQueued(instruction);
        return await ledger.PrepareVoidAsync(instruction, ct);
    }

    /// <summary>Nothing was sent before the void: nothing to undo (the cancel is then decided from the chain without it).</summary>
    public Task AbandonedAsync(PendingSignature pending, CancellationToken ct) => Task.CompletedTask;

    private async Task<BookingInstruction> HeldAsync(PendingSignature pending, CancellationToken ct)
    {
        var step = SignatureQueue.Step<BookingVoidStep>(pending);
        return await db.BookingInstructions.AsNoTracking().SingleOrDefaultAsync(i => i.Id == step.InstructionId, ct)
               ?? throw new DomainRuleViolation("signature-not-needed", "The booking this void was for no longer exists.");
    }

    private static void RequireQueued(BookingInstruction instruction)
    {
        if (instruction.Status != BookingInstructionStatus.Queued)
            throw new DomainRuleViolation("signature-not-needed",
                $"{instruction.WhatCapitalised} {instruction.Reference} is {(instruction.Rule == BookingInstruction.CancelledRule ? "cancelled" : instruction.Status.ToString().ToLowerInvariant())} already: its reference needs no void.");
    }

    private static byte[] Reference(BookingInstruction instruction) => SettlementLedger.BookingReference(instruction.Kind, instruction.Party, instruction.Reference);
}

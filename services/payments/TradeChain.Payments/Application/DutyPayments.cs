using Microsoft.EntityFrameworkCore;
using TradeChain.Domain;
using TradeChain.Ledger;
using Microsoft.Extensions.Options;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.Payments.Application;

/// <summary>A settlement and whether it was made by an earlier request (a retry moves no money).</summary>
public sealed record DutySettlement(DutyPayment Payment, bool AlreadySettled);

/// <summary>
/// A bank pays a declaration's duties, in three steps so that money never moves without its record (except where the
/// bank's own wallet sent the transfer itself: then it is recorded when its hash is given, see HandleAsync): the payment's
/// checks and the bank's intent saved (Settling) — from then on a withdrawal cannot replace it; the token transfer from
/// the declarant's account to the customs treasury's on chain (once per reference of this bank); then the ledger, the
/// ISO 20022 messages and the payment settled — whose <see cref="DutiesSettled"/> tells customs. For a bank whose key the
/// service's signer holds the request takes the first step only: the saved intent is an entry of the bank's queue
/// (<see cref="DutyPayment.SettlementQueued"/>), and the DutySettlementWorker takes the other two for a batch of them
/// (<see cref="SettleQueuedDutyPayments"/>). The request makes the transfer itself when the bank signed it or its wallet
/// sent it (or batching is off). A retry, after a crash anywhere, resumes where it stopped, in the way it began.
/// (Customs requests and withdraws payments over the bus: <see cref="RequestDutyPayment"/> and <see cref="WithdrawDutyPayment"/>.)
/// </summary>
public sealed class SettleDutyPayment(PaymentsDbContext db, SettlementLedger ledger, Iso20022Recorder iso, IOptions<PaymentsOptions> options, TimeProvider clock,
    DutySettlementQueue queue)
{
    /// <summary>How often the record is completed against concurrent changes (a withdrawal noted meanwhile) before giving up.</summary>
    private const int CompletionAttempts = 5;

    /// <summary>
    /// The transfer that settles the payment, unsigned, for a bank that signs its own transactions (its key stays with it):
    /// it signs it unchanged and sends it back to <see cref="HandleAsync"/>. Null when the bank may not see the payment.
    /// </summary>
    public async Task<UnsignedTransaction?> PrepareAsync(string reference, Caller bank, CancellationToken ct)
    {
        var payment = await db.DutyPayments.AsNoTracking().SingleOrDefaultAsync(p => p.Reference == reference, ct);
        if (payment is null || !await DutyPaymentQueries.BankMaySeeAsync(db, payment, bank.Party, ct)) return null;
        if (payment.IsSettledBy(bank.Party)) throw new DomainRuleViolation("payment-settled", $"Duty payment {reference} is settled already: there is nothing to sign.");
        payment.EnsureSettleable(bank.Party, ledger.Supports(payment.Currency));
        var from = await ledger.RequireAccountAsync(db, payment.PayerParty, payment.Currency, "payer", ct);
        var to = await ledger.RequireAccountAsync(db, options.Value.CustomsTreasuryParty, payment.Currency, "customs treasury", ct);
        // A wallet may send what it signs at once, before TradeChain sees it: nothing is handed out that could not be recorded.
        Movement.RequireReportable(iso.Problem(Report(payment, bank, from, to)));
        return await ledger.PrepareTransferAsync(db, bank.Party, from, to, payment.Amount, LedgerEntryKind.DutyPayment, reference, ct);
    }

    /// <param name="signedTransaction">The bank's own signed transfer (from <see cref="PrepareAsync"/>); null: the bank's signer configured here signs.</param>
    /// <param name="sentTransaction">
    /// The hash of that transfer when the bank's wallet signed and sent it itself (as browser wallets do): recorded once it
    /// is mined, if it is exactly this payment's transfer from the bank's account.
    /// </param>
    /// <param name="queuedOnly">
    /// A bulk settlement's item (<c>POST /duty-payments/settlements</c>): only a settlement the bank's queue takes is begun or
    /// resumed — one this bank began with a transaction it signed or sent itself is refused (settle-one-by-one) instead of
    /// being made here.
    /// </param>
    /// <returns>Null when the bank may not see the payment.</returns>
    /// <exception cref="PartySignatureException">The signed (or sent) transaction is not this payment's transfer by the bank's account.</exception>
    public async Task<DutySettlement?> HandleAsync(string reference, Caller bank, CancellationToken ct, string? signedTransaction = null, string? sentTransaction = null,
        bool queuedOnly = false)
    {
        var payment = await db.DutyPayments.SingleOrDefaultAsync(p => p.Reference == reference, ct);
        if (payment is null || !await DutyPaymentQueries.BankMaySeeAsync(db, payment, bank.Party, ct)) return null;
        // The hash of the bank's own sent transfer may come in the Sent-Transaction header, as for any step of a party that signs itself.
        if (signedTransaction is null) sentTransaction ??= PartySignatures.SentOf(bank.Party);
        // Idempotent on the reference: a retried settlement returns the first one and moves no money.
        if (payment.IsSettledBy(bank.Party)) return new DutySettlement(payment, AlreadySettled: true);
        // The bank's own signed transfer, on a payment customs withdrew: nothing is sent for it now — but the bank may have
        // sent it to the chain itself (its own node, a wallet); when the node knows it, it is taken as that wallet-sent
        // transfer by its hash (the signed transaction's): recorded once mined, 409 transaction-pending while it waits.
        if (sentTransaction is null && payment.WithdrawnUnsettled
            && (signedTransaction ?? (ledger.Wallets.SignsItself(bank.Party) ? PartySignatures.Of(bank.Party) : null)) is { } ownSigned
            && await ledger.Chain.SentTransactionAsync(DecodedTransaction.Decode(ownSigned).Hash) is { } onChain)
            sentTransaction = onChain.Hash;
        // The bank's wallet sent its transfer before TradeChain saw any intent, and customs withdrew the payment meanwhile:
        // the money moved all the same, so it is recorded (below), never left on chain without its record.
        var hashGivenAfterWithdrawal = sentTransaction is not null && payment.WithdrawnUnsettled;
        if (!hashGivenAfterWithdrawal) payment.EnsureSettleable(bank.Party, ledger.Supports(payment.Currency));
        else if (!ledger.Supports(payment.Currency)) throw new DomainRuleViolation("currency-not-settled", $"{payment.Currency} has no settlement token on this network.");

        var from = await ledger.RequireAccountAsync(db, payment.PayerParty, payment.Currency, "payer", ct);
        var to = await ledger.RequireAccountAsync(db, options.Value.CustomsTreasuryParty, payment.Currency, "customs treasury", ct);
        // A transfer the bank's wallet sent itself (the money moved before we saw any intent): recorded once mined, if it is
        // exactly this payment's (checked before anything is saved).
        var walletTransaction = sentTransaction is null ? null
            : await ledger.SentTransferAsync(sentTransaction, bank.Party, from, to, payment.Amount, LedgerEntryKind.DutyPayment, reference);
        // A bank that signs itself: its signature in the body or in the Signed-Transaction header; without one, the transfer
        // to sign comes back (409 signature-required) before anything is saved.
        if (walletTransaction is null && ledger.Wallets.SignsItself(bank.Party))
            signedTransaction ??= PartySignatures.Of(bank.Party)
                                  ?? throw new PartySignatureRequiredException(bank.Party, ledger.Wallets.AddressOf(bank.Party),
                                      await ledger.PrepareTransferAsync(db, bank.Party, from, to, payment.Amount, LedgerEntryKind.DutyPayment, reference, ct));
        // A transaction the bank signed itself is checked before anything is saved: its account, exactly this transfer.
        var signedBy = signedTransaction is null || walletTransaction is not null ? null
            : await ledger.SignedTransferAsync(signedTransaction, bank.Party, from, to, payment.Amount, LedgerEntryKind.DutyPayment, reference);
        var report = Report(payment, bank, from, to);
        if (hashGivenAfterWithdrawal) return await RecordAfterWithdrawalAsync(payment, bank, from, to, walletTransaction!, report, ct);
        // Before any money moves: a message that cannot be written must not strand a payment. (A wallet's transfer moved
        // already: it is recorded all the same — PrepareAsync refuses what could not be reported, so only a transfer the
        // bank built without it can lack its ISO 20022 messages.)
        if (walletTransaction is null) Movement.RequireReportable(iso.Problem(report));

        // 1. The intent, saved before the money moves — once the payment's checks and the account's have passed, so that a
        //    settlement that cannot be made does not hold the payment.
        if (!payment.IsBeingSettledBy(bank.Party) && walletTransaction is null) await ledger.RequireTransferableAsync(db, bank.Party, from, payment.Amount, ct);
        var queued = walletTransaction is null && signedBy is null && queue.Batches(bank.Party);
        if (payment.BeginSettlement(bank.Party, from.Address, bank.Actor, clock.GetUtcNow(), queued))
        {
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Changed meanwhile, and nothing has moved: withdrawn or taken by another bank (refused by the payment's rules),
                // or settled or being settled by this bank's own concurrent request (then this one returns or resumes it).
                db.ChangeTracker.Clear();
                payment = await db.DutyPayments.SingleAsync(p => p.Reference == reference, ct);
                if (payment.IsSettledBy(bank.Party)) return new DutySettlement(payment, AlreadySettled: true);
                // The wallet's money moved, and customs withdrew the payment in the meantime: recorded after the withdrawal.
                if (walletTransaction is not null && payment.WithdrawnUnsettled)
                    return await RecordAfterWithdrawalAsync(payment, bank, from, to, walletTransaction, report, ct);
                payment.EnsureSettleable(bank.Party, currencySettles: true);
                if (!payment.IsBeingSettledBy(bank.Party)) throw;
            }
        }

        // A bank whose key the service's signer holds: the saved intent is the entry of its queue, whose lane sends the bank's
        // settlements of the window as one transaction and records each from its own event (SettleQueuedDutyPayments). An
        // entry is the lane's alone: a retry of it, even with a transaction the bank signed or sent, sends nothing here (a
        // transfer already made is found bound to its reference by the lane).
        if (payment.SettlementQueued && queue.Batches(bank.Party))
        {
            queue.Queued(bank.Party);
            return new DutySettlement(payment, AlreadySettled: false);
        }
        if (queuedOnly)
            throw new DomainRuleViolation("settle-one-by-one",
                $"Duty payment {reference}'s settlement by {bank.Party} began with a transaction the bank signed or sent itself: complete it with POST /duty-payments/{reference}/settle.");

        // 2. The money: a retry finds this bank's earlier transfer bound on chain to exactly this payment. A settlement resumed
        //    after customs withdrew the payment moves nothing if nothing moved yet: the withdrawal applies instead.
        if (payment.WithdrawalNoted) await GiveUpAsync(payment, bank, WithdrawnRule, WithdrawnBeforeMade, ct);
        string tx;
        try
        {
            tx = walletTransaction ?? await ledger.TransferAsync(db, bank.Party, from, to, payment.Amount, LedgerEntryKind.DutyPayment, reference, ct, signedBy);
        }
        catch (Exception e) when (e is DomainRuleViolation or ChainRevertedException or PartySignatureException or RemoteSignerException)
        {
            // Refused (by the account's rules or by the contract): unless the money may still move, the payment is free again.
            await GiveUpAsync(payment, bank, RuleOf(e), e.Message, ct);
            throw;
        }

        // 3. Its record. A withdrawal noted on the payment meanwhile changes its version: read it again and complete it.
        for (var attempt = 1; ; attempt++)
        {
            if (payment.IsSettledBy(bank.Party)) return new DutySettlement(payment, AlreadySettled: true); // completed by a concurrent retry
            Record(payment, bank, from, to, report, tx);
            try
            {
                await db.SaveChangesAsync(ct);
                return new DutySettlement(payment, AlreadySettled: false);
            }
            catch (DbUpdateException) when (attempt < CompletionAttempts)
            {
                db.ChangeTracker.Clear();
                payment = await db.DutyPayments.SingleAsync(p => p.Reference == reference, ct);
            }
        }
    }

    /// <summary>
    /// Records the transfer the bank's wallet sent (checked: exactly this payment's, mined) on a payment customs withdrew
    /// before its hash arrived: settled after the withdrawal, booked, reported. A concurrent request that recorded it first is the answer.
    /// </summary>
    private async Task<DutySettlement> RecordAfterWithdrawalAsync(DutyPayment payment, Caller bank, SettlementAccount from, SettlementAccount to, string tx,
        MovementReport report, CancellationToken ct)
    {
        payment.SettleAfterWithdrawal(bank.Party, from.Address, bank.Actor, clock.GetUtcNow(), tx);
        ledger.BookTransfer(db, from, to, payment.Amount, LedgerEntryKind.DutyPayment, payment.Reference, tx);
        RecordReport(report with { ChainTransactionHash = tx });
        try
        {
            await db.SaveChangesAsync(ct);
            return new DutySettlement(payment, AlreadySettled: false);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var current = await db.DutyPayments.SingleAsync(p => p.Reference == payment.Reference, ct);
            if (current.IsSettledBy(bank.Party)) return new DutySettlement(current, AlreadySettled: true);
            throw;
        }
    }

    /// <summary>Why a settlement resumed after customs withdrew the payment moves nothing, and the rule it is given up under.</summary>
    internal const string WithdrawnBeforeMade = "customs withdrew the payment before it was made";

    internal const string WithdrawnRule = "payment-withdrawn";

    /// <summary>The rule a refusal of the transfer is given up under: the one its problem details name (contract:&lt;Error&gt; for the contract's).</summary>
    private static string RuleOf(Exception refusal) => refusal switch
    {
        DomainRuleViolation violation => violation.Rule,
        ChainRevertedException reverted => reverted.Rule,
        PartySignatureException signature => signature.Rule,
        _ => "remote-signer",
    };

    /// <summary>
    /// The record of the bank's transfer <paramref name="tx"/> (made: this payment's own Payment event, or bound on chain to
    /// exactly it): the payment settled, the ledger's debit and credit, the ISO 20022 messages — saved together by the caller,
    /// with the DutiesSettled message in the outbox.
    /// </summary>
    internal void Record(DutyPayment payment, Caller bank, SettlementAccount from, SettlementAccount to, MovementReport report, string tx)
    {
        payment.CompleteSettlement(bank.Party, bank.Actor, clock.GetUtcNow(), tx);
        ledger.BookTransfer(db, from, to, payment.Amount, LedgerEntryKind.DutyPayment, payment.Reference, tx);
        RecordReport(report with { ChainTransactionHash = tx });
    }

    /// <summary>The settlement's ISO 20022 messages — when they can be written (a wallet's transfer is recorded even if not).</summary>
    private void RecordReport(MovementReport report)
    {
        iso.TryRecord(db, report);
    }

    internal static MovementReport Report(DutyPayment payment, Caller bank, SettlementAccount from, SettlementAccount to) =>
        new(payment.Reference, payment.Reference, payment.Amount, payment.Currency, payment.PayerParty, from.Address, bank.Party,
            to.Party, to.Address, to.ServicingBank, Iso20022Recorder.Placeholder, $"Customs duties, declaration {payment.DeclarationId}, payment {payment.Reference}");

    /// <summary>
    /// Gives up this bank's settlement when its transfer cannot happen any more — not made, nothing of the bank's in flight —
    /// and saves that (the payment requested again, or withdrawn if customs withdrew it). Otherwise leaves it Settling for a retry.
    /// </summary>
    /// <exception cref="DomainRuleViolation">payment-withdrawn, when the payment is now withdrawn.</exception>
    private async Task GiveUpAsync(DutyPayment payment, Caller bank, string rule, string why, CancellationToken ct)
    {
        if (await ledger.TransferMayHappenAsync(bank.Party, payment.Currency, LedgerEntryKind.DutyPayment, payment.Reference, ct)) return;
        var withdrawn = payment.AbandonSettlement(bank.Party, bank.Actor, clock.GetUtcNow(), rule, why);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return; // changed concurrently: the payment stays Settling, and a retry decides again
        }
        if (withdrawn) payment.EnsureSettleable(bank.Party, currencySettles: true); // refused: withdrawn by customs, nothing transferred
    }
}

/// <summary>Who sees which duty payment: the declarant its own; a bank those of declarants that mandated it, and those it settled.</summary>
public static class DutyPaymentQueries
{
    public static IQueryable<DutyPayment> VisibleToBank(PaymentsDbContext db, string bank) =>
        db.DutyPayments.Where(p => p.SettledByBank == bank || db.Mandates.Any(m => m.Party == p.PayerParty && m.Currency == p.Currency && m.Bank == bank));

    public static Task<bool> BankMaySeeAsync(PaymentsDbContext db, DutyPayment payment, string bank, CancellationToken ct) =>
        BankMaySeeAsync(db, payment.PayerParty, payment.Currency, payment.SettledByBank, bank, ct);

    /// <summary><see cref="BankMaySeeAsync(PaymentsDbContext, DutyPayment, string, CancellationToken)"/> on the payment's columns alone.</summary>
    public static async Task<bool> BankMaySeeAsync(PaymentsDbContext db, string payerParty, string currency, string? settledByBank, string bank, CancellationToken ct) =>
        settledByBank == bank || await db.Mandates.AnyAsync(m => m.Party == payerParty && m.Currency == currency && m.Bank == bank, ct);

    /// <summary>
    /// Whether the payment's <see cref="DutyPayment.SettlementRefusal"/> is its news: its last settlement was given up and
    /// none began since (which clears it) — Requested again, or Withdrawn (customs' withdrawal applying then, or coming after).
    /// </summary>
    public static bool RefusalShown(DutyPayment payment) =>
        payment.SettlementRefusal is not null && payment.Status is DutyPaymentStatus.Requested or DutyPaymentStatus.Withdrawn;

    /// <summary>The given-up settlement of a payment whose refusal is shown, in words: the reason of its last transition out of Settling other than to Settled.</summary>
    public static async Task<string?> RefusalDetailAsync(PaymentsDbContext db, DutyPayment payment, CancellationToken ct) =>
        RefusalShown(payment) ? (await RefusalDetailsAsync(db, [payment], ct)).GetValueOrDefault(payment.Reference) : null;

    /// <summary>The refusals' words of those of <paramref name="payments"/> whose refusal is shown, by reference (one query).</summary>
    public static async Task<Dictionary<string, string>> RefusalDetailsAsync(PaymentsDbContext db, IEnumerable<DutyPayment> payments, CancellationToken ct)
    {
        var refused = payments.Where(RefusalShown).Select(p => p.Reference).ToList();
        if (refused.Count == 0) return [];
        const string settling = nameof(DutyPaymentStatus.Settling), settled = nameof(DutyPaymentStatus.Settled);
        var given = await db.Transitions.AsNoTracking()
            .Where(t => t.AggregateType == DutyPayment.RecordType && refused.Contains(t.AggregateId) && t.FromState == settling && t.ToState != settling && t.ToState != settled)
            .Select(t => new { t.AggregateId, t.Sequence, t.Reason }).ToListAsync(ct);
        return given.GroupBy(t => t.AggregateId).ToDictionary(g => g.Key, g => g.MaxBy(t => t.Sequence)!.Reason);
    }

    /// <summary>Why the payment last changed, in words: its last transition's reason.</summary>
    public static Task<string?> LastReasonAsync(PaymentsDbContext db, string reference, CancellationToken ct) =>
        db.Transitions.AsNoTracking().Where(t => t.AggregateType == DutyPayment.RecordType && t.AggregateId == reference)
            .OrderByDescending(t => t.Sequence).Select(t => t.Reason).FirstOrDefaultAsync(ct);
}

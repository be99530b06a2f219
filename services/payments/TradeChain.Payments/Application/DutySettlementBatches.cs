using System.Collections.Concurrent;
using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Application;

/// <summary>
/// Flushes one bank's queued settlements (its payments Settling as entries of its queue, <see cref="DutyPayment.SettlementQueued"/>:
/// intents saved by <see cref="SettleDutyPayment"/> for the service's signer — never one its request is settling itself) as one
/// chain transaction per currency, then records each from its own event in the receipt, so that money never moves without
/// its record and no record says Settled unless the chain shows exactly that transfer:
/// <list type="bullet">
/// <item>made (its Payment event: exactly this payer, payee, amount and reference; or, refused as DuplicateReference, an
/// earlier attempt's transfer the token binds to exactly it — a batch sent again after a crash) ⇒ settled, booked and
/// reported in one database transaction, DutiesSettled in the outbox;</item>
/// <item>refused for any other rule ⇒ given up once the ledger shows it can no longer happen (stays queued while it may) (awaits a settlement again, or withdrawn if customs withdrew it), the rule named
/// (<see cref="DutyPayment.SettlementRefusal"/>: contract:&lt;Error&gt; for the token's, the service's own otherwise);</item>
/// <item>a withdrawal noted before the item was sent ⇒ not sent, given up — unless the chain shows it made already.</item>
/// </list>
/// "Can no longer happen" is judged against the bank's transactions that may carry the item: those the node holds once the
/// flush has read its queue (the bank's pending nonce count read just after, <c>sentBefore</c>; the item was not in flight, so nothing sent later carries it
/// but this flush's own, which the writer settles before it answers a refusal: <c>ChainWriter.SettledAsync</c>). Once those are mined and the reference is unbound, it cannot happen — the bank's later
/// transactions (its other batches in flight) do not hold the decision up. An item this flush does not send keeps the
/// first such count its lane saw (<c>nonceBounds</c>), so that a steady stream of later batches cannot put the decision off for ever.
/// A crash anywhere leaves the payments Settling: the restart's scan flushes them again.
/// Only the holder of the bank's settlement lease (<see cref="SettlementLeases"/>) flushes: it renews the lease before each
/// send, and saves under it (the save's transaction renews it first), so that no other replica gives up a payment whose
/// transfer this one is sending.
/// </summary>
public sealed class SettleQueuedDutyPayments(PaymentsDbContext db, SettlementLedger ledger, SettleDutyPayment settle,
    SettlementLeases leases, IOptions<PaymentsOptions> options, TimeProvider clock, ILogger<SettleQueuedDutyPayments> logger)
{
    private sealed record Item(DutyPayment Payment, Caller Bank, SettlementAccount From, SettlementAccount To);

    private TimeSpan LeaseDuration => TimeSpan.FromSeconds(Math.Max(1, options.Value.SettlementLeaseSeconds));

    /// <param name="lease">The bank's settlement lease, held by this process.</param>
    /// <param name="inFlight">References an earlier flush of this process is sending and has not saved yet: left alone.</param>
    /// <param name="taken">Told the references this flush took, once it has read them (before anything is sent), and whether
    /// more were queued behind them (a backlog): the worker then adds them to what the next flush leaves alone, and starts
    /// that flush at once when there is a backlog.</param>
    /// <param name="nonceBounds">The lane's memory, across flushes, of the nonce count below which an item not sent since may
    /// have been carried (kept while the lane holds the lease; an entry is dropped once its item is sent or resolved).</param>
    /// <returns>How many queued settlements were taken (at most <paramref name="maxItems"/>), how many of them were
    /// resolved (settled or given up; the others stay queued), how many were left undecided because a transaction of the
    /// bank that may carry them is not mined yet (look again shortly), and whether they should be flushed again at once (their
    /// outcomes could not be saved because a payment changed meanwhile: the next flush finds each transfer made and records it alone).</returns>
    /// <exception cref="SettlementLeaseLostException">The lease was lost: nothing more was sent, nothing saved.</exception>
    public async Task<(int Taken, int Resolved, int Undecided, bool Again)> HandleAsync(HeldLease lease, int maxItems, CancellationToken ct,
        IReadOnlyCollection<string>? inFlight = null, Action<IReadOnlyList<string>, bool>? taken = null, ConcurrentDictionary<string, (long Fence, BigInteger Bound)>? nonceBounds = null)
    {
        var bankParty = lease.Bank;
        IReadOnlyCollection<string> sending = inFlight ?? [];
        var queued = await db.DutyPayments.Where(p => p.Status == DutyPaymentStatus.Settling && p.SettledByBank == bankParty && !p.SettledInRequest
                && !sending.Contains(p.Reference))
            .OrderBy(p => p.RequestedAtUnixMs).ThenBy(p => p.Reference).Take(maxItems + 1).ToListAsync(ct);
        // One more than a batch is read to learn whether a backlog waits behind it; that one is left for the next flush.
        var backlog = queued.Count > maxItems;
        if (backlog)
        {
            db.Entry(queued[maxItems]).State = EntityState.Detached;
            queued.RemoveAt(maxItems);
        }
        taken?.Invoke([.. queued.Select(p => p.Reference)], backlog);
        if (queued.Count == 0) return (0, 0, 0, false);
        var bankAddress = ledger.Wallets.AddressOf(bankParty);
        // Every transaction of the bank that may carry a taken item was sent before this read (none of them is in flight here).
        var sentBefore = await ledger.SentBeforeAsync(bankParty);
        var bounds = nonceBounds ?? new(StringComparer.Ordinal);
        // Taken over from a holder whose lease ran out, nothing is given up for a while: that holder may still be sending.
        var mayGiveUp = clock.GetUtcNow().ToUnixTimeMilliseconds() >= lease.DecideAfterUnixMs;
        // An unsent item's bound: the first this lane saw under this lease's fence (one seen under another holder's is stale).
        BigInteger BoundOf(string reference) =>
            bounds.AddOrUpdate(reference, (lease.Fence, sentBefore), (_, old) => old.Fence == lease.Fence ? old : (lease.Fence, sentBefore)).Bound;
        var undecided = 0;
        var actors = await ActorsAsync(queued, ct);
        var treasury = options.Value.CustomsTreasuryParty;
        var parties = queued.Select(p => p.PayerParty).Append(treasury).Distinct().ToList();
        var accounts = await db.Accounts.AsNoTracking().Where(a => parties.Contains(a.Party)).ToListAsync(ct);

        var resolved = new HashSet<string>(StringComparer.Ordinal); // the references settled or given up
        var toSend = new List<Item>();
        foreach (var payment in queued)
        {
            var bank = new Caller(bankParty, actors.GetValueOrDefault(payment.Reference, bankParty));
            var from = accounts.SingleOrDefault(a => a.Party == payment.PayerParty && a.Currency == payment.Currency);
            var to = accounts.SingleOrDefault(a => a.Party == treasury && a.Currency == payment.Currency);
            if (from is null || to is null)
            {
                // Checked before the intent was saved: an account missing now cannot be debited or credited, and nothing was sent.
                if (mayGiveUp && !await ledger.TransferMayHappenAsync(bankParty, payment.Currency, LedgerEntryKind.DutyPayment, payment.Reference, BoundOf(payment.Reference), ct))
                    Abandon(payment, bank, NoAccount, $"the {(from is null ? "payer's" : "customs treasury's")} {payment.Currency} account is not open", resolved);
                else undecided++;
                continue;
            }
            var item = new Item(payment, bank, from, to);
            if (payment.WithdrawalNoted)
            {
                // Customs withdrew it after the intent: sent only to find a transfer an earlier attempt made (then it is recorded).
                var reference = SettlementLedger.PaymentReference(LedgerEntryKind.DutyPayment, payment.Reference);
                var (mined, made) = await ledger.Chain.MinedCountAndPaymentAsync(payment.Currency, bankAddress, reference);
                if (made is { IsVoid: false }) toSend.Add(item);
                else if (mayGiveUp && mined >= BoundOf(payment.Reference))
                    Abandon(payment, bank, SettleDutyPayment.WithdrawnRule, SettleDutyPayment.WithdrawnBeforeMade, resolved);
                else undecided++; // a transaction of the bank may still make it: decided in a later flush
                continue;
            }
            toSend.Add(item);
        }
        foreach (var item in toSend) bounds.TryRemove(item.Payment.Reference, out _); // sent again: this flush's count bounds it

        foreach (var batch in toSend.GroupBy(i => i.Payment.Currency, StringComparer.OrdinalIgnoreCase))
        {
            var items = batch.ToList();
            IReadOnlyList<(string? TransactionHash, string? Refusal, string? Rule, bool Undecided)> results;
            // The bank's gas topped up first (that may take a transaction of its own), so that the send follows the renewal closely.
            await ledger.Wallets.ForAsync(bankParty, ct);
            // Still the bank's only sender: a replica that took the lease meanwhile may have given these payments up.
            if (!await leases.RenewAsync(lease, LeaseDuration, ct)) throw new SettlementLeaseLostException(bankParty);
            try
            {
                results = [.. (await ledger.TransferBatchAsync(bankParty, batch.Key,
                    [.. items.Select(i => new QueuedTransfer(i.From, i.To, i.Payment.Amount, LedgerEntryKind.DutyPayment, i.Payment.Reference))], ct))
                    .Select(o => (o.TransactionHash, o.Refusal, o.Rule, o.Undecided))];
            }
            catch (ChainRevertedException e)
            {
                // The whole transaction refused (the bank lost its role…): nothing of it moved, nor can it any more — the writer
                // answers a refusal only once none of the transactions it sent for this batch can still be mined. Each item is then
                // judged as refused below (given up only when no earlier transaction of the bank may still make it). A revert
                // the token names no error for (mined and reverted, its call passing when asked again: out of gas, a state that
                // moved) refuses none of them: undecided, sent again in a later flush.
                var unnamed = e.Rule == ChainRevertedException.UnnamedRule;
                results = [.. items.Select(_ => ((string?)null, (string?)e.Error, (string?)e.Rule, unnamed))];
            }
            for (var k = 0; k < items.Count; k++)
            {
                var (item, result) = (items[k], results[k]);
                if (result.TransactionHash is { } tx)
                {
                    settle.Record(item.Payment, item.Bank, item.From, item.To, SettleDutyPayment.Report(item.Payment, item.Bank, item.From, item.To), tx);
                    resolved.Add(item.Payment.Reference);
                }
                else if (result.Undecided)
                {
                    undecided++;
                    logger.LogWarning("Duty payment {Reference}'s transfer could not be decided ({Refusal}): it stays queued", item.Payment.Reference, result.Refusal);
                }
                else if (result.Rule == DuplicateReference)
                {
                    // The bank's reference is bound on chain to another transfer, or voided by the bank: this one can never be made
                    // under it, and sending it again changes nothing. Given up for good, the rule named; an operator must look at it.
                    logger.LogError("ALERT duty payment {Reference}: the bank's reference is bound on chain to a different transfer or voided ({Refusal}); given up", item.Payment.Reference, result.Refusal);
                    Abandon(item.Payment, item.Bank, ReferenceBoundElsewhere, $"{ReferenceBoundElsewhere}: {result.Refusal}", resolved);
                }
                else if (mayGiveUp && !await ledger.TransferMayHappenAsync(bankParty, item.Payment.Currency, LedgerEntryKind.DutyPayment, item.Payment.Reference, sentBefore, ct))
                    Abandon(item.Payment, item.Bank, result.Rule!, result.Refusal!, resolved);
                else
                {
                    undecided++;
                    logger.LogWarning("Duty payment {Reference}'s transfer was refused ({Refusal}) but may still happen: it stays queued", item.Payment.Reference, result.Refusal);
                }
            }
        }

        var saved = await SaveAsync(lease, resolved, ct);
        if (saved) foreach (var reference in resolved) bounds.TryRemove(reference, out _);
        return (queued.Count, saved ? resolved.Count : 0, undecided, !saved);
    }

    /// <summary>The token's refusal of a reference the bank has used on chain.</summary>
    private static readonly string DuplicateReference = ChainRevertedException.RuleOf("DuplicateReference");

    /// <summary>The rule a payment is given up under when the bank's reference is bound on chain to another transfer (the service's decision: for good).</summary>
    internal const string ReferenceBoundElsewhere = "reference-bound-elsewhere";

    /// <summary>The rule a payment is given up under when its payer's or the treasury's account is not open (as <see cref="SettlementAccount.Required"/> names it).</summary>
    private const string NoAccount = "no-account";

    private void Abandon(DutyPayment payment, Caller bank, string rule, string why, HashSet<string> resolved)
    {
        payment.AbandonSettlement(bank.Party, bank.Actor, clock.GetUtcNow(), rule, why);
        resolved.Add(payment.Reference);
    }

    /// <summary>
    /// Saves every outcome in one transaction; its commit wakes the requests waiting on those payments
    /// (<see cref="TradeChain.ServiceDefaults.Persistence.TransactionEndInterceptor"/>). A payment changed meanwhile (customs noted a
    /// withdrawal) fails it: nothing is saved, all stay Settling, and the next flush — at once (the worker wakes the lane
    /// once this flush's references are no longer in flight) — sends them again, finds each transfer made on chain
    /// (DuplicateReference, bound to exactly it) and records it; a refused one is refused again.
    /// </summary>
    /// <exception cref="SettlementLeaseLostException">The lease was lost: nothing was saved (its new holder decides again).</exception>
    /// <returns>Whether the outcomes were saved.</returns>
    private async Task<bool> SaveAsync(HeldLease lease, HashSet<string> resolved, CancellationToken ct)
    {
        try
        {
            await leases.SaveUnderAsync(lease, LeaseDuration, ct);
            return true;
        }
        catch (DbUpdateException e)
        {
            logger.LogInformation(e, "A batch of {Count} duty settlements changed meanwhile: recording them one by one", resolved.Count);
        }
        catch (SettlementLeaseLostException)
        {
            db.ChangeTracker.Clear();
            throw;
        }
        db.ChangeTracker.Clear();
        // Nothing was saved: the next flush (at once) sends the batch's items again, finds them made and records each alone.
        return false;
    }

    /// <summary>Who asked for each settlement (the actor of its Settling transition), named again in its Settled one.</summary>
    private async Task<Dictionary<string, string>> ActorsAsync(IReadOnlyList<DutyPayment> payments, CancellationToken ct)
    {
        var references = payments.Select(p => p.Reference).ToList();
        var aggregate = payments[0].AggregateType;
        var settling = nameof(DutyPaymentStatus.Settling);
        var rows = await db.Transitions.AsNoTracking()
            .Where(t => t.AggregateType == aggregate && references.Contains(t.AggregateId) && t.ToState == settling && t.FromState != settling)
            .Select(t => new { t.AggregateId, t.Sequence, t.Actor }).ToListAsync(ct);
        return rows.GroupBy(r => r.AggregateId).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Sequence)!.Actor, StringComparer.Ordinal);
    }
}

using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// Sends the deposits banks' requests asked (<see cref="DepositRequest"/>, Queued) and books each from the chain's answer,
/// where Payments:SettlementWorkerEnabled (the process that signs for the banks: payments-worker on Kubernetes, whose API
/// pods only save the request) — so that a bank's deposits have one writer, in the nonce sequence of its settlements,
/// however many replicas take its requests (its withdrawals and a credit's escrow steps are still sent by the request). Wakes when a request is saved in this process, and every half second for one another replica saved.
/// Each deposit goes in its bank's next mintBatch (<see cref="SettlementLedger.MintQueuedAsync"/>: one transaction per bank
/// and currency per window, several in flight) and is recorded on its own from its event in the receipt, in one
/// database transaction: the ledger entry, the holder's camt.054 and the request Booked with the transaction — never a
/// booking without its mint, nor a mint left unbooked: a crash between the two leaves the request Queued, and sending it
/// again finds the mint the token bound to its reference (made by the earlier attempt) and books that one.
/// A refusal by the token in a mined batch (the account not open on chain) is recorded as the request's outcome with the
/// rule: every earlier attempt of the deposit had a lower nonce of the bank, so it is mined too, and had it minted the
/// deposit the refusal would be DuplicateReference, bound to that mint (booked). A whole batch refused before it was
/// mined (the bank not a minter) is decided only once the bank has no transaction waiting in the node. A node failure or
/// an outcome not known yet is sent again after a backoff (0.5 s doubling to 30 s).
/// </summary>
public sealed class DepositSender(IServiceScopeFactory scopes, SettlementLedger ledger, RecordChanges changes, IOptions<PaymentsOptions> options,
    TimeProvider clock, ILogger<DepositSender> logger) : BackgroundService
{
    /// <summary>How often queued deposits are looked up though nothing was asked in this process (another replica's requests).</summary>
    private static readonly TimeSpan Rescan = TimeSpan.FromMilliseconds(500);

    /// <summary>The most deposits read in one look, and in flight at once in this process (four full batches).</summary>
    public const int MostInFlight = SettlementLedger.DepositBatchesInFlight * PaymentsOptions.MostBatchItems;

    /// <summary>The rule of a revert that names no error (<see cref="ChainRevertedException.RuleOf"/>): sent again, never a refusal.</summary>
    private static readonly string UnnamedRevert = ChainRevertedException.RuleOf("");

    /// <summary>What waits on this sender in <see cref="RecordChanges"/> (a party of its own, so no caller's places are taken).</summary>
    private const string Watcher = "payments:deposit-sender";

    private readonly ConcurrentDictionary<Guid, byte> _inFlight = new();

    /// <summary>Deposits whose send failed or could not be decided yet: how many times, and not before when (Unix ms) to send again.</summary>
    private readonly ConcurrentDictionary<Guid, (int Failures, long NotBeforeUnixMs)> _later = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SettlementWorkerEnabled)
        {
            logger.LogInformation("The deposit sender is off here (Payments:SettlementWorkerEnabled=false): another process sends the banks' deposits");
            return;
        }
        using var asked = changes.Watch(ListChanges.AnyOf(DepositRequest.RecordType), Watcher);
        var sends = new List<Task>();
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = asked?.NextChange() ?? Task.Delay(Timeout.Infinite, stoppingToken); // taken before the look: a save from now on wakes the next wait
                try
                {
                    foreach (var send in await LookAsync(stoppingToken))
                    {
                        sends.RemoveAll(s => s.IsCompleted);
                        sends.Add(send);
                    }
                    failures = 0;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    logger.LogWarning(e, "Looking up the queued deposits failed ({Failures} in a row); they stay queued", failures);
                    await Task.Delay(Backoff(failures), stoppingToken);
                }
                await Task.WhenAny(next, Task.Delay(Rescan, clock, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            await Task.WhenAll(sends); // a send begun is awaited and recorded, never cut off by the stop
        }
    }

    /// <summary>Starts sending the queued deposits not in flight nor waiting for a retry: the sends begun.</summary>
    private async Task<List<Task>> LookAsync(CancellationToken ct)
    {
        var room = MostInFlight - _inFlight.Count;
        if (room <= 0) return [];
        List<(DepositRequest Request, string Address)> queued;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            // Those in flight and those waiting for their retry are left out in the query, so they never take the look's
            // places from newer deposits (a backlog of failing ones cannot hold every bank's deposits back).
            var notYet = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var skipped = _inFlight.Keys.Concat(_later.Where(l => l.Value.NotBeforeUnixMs > notYet).Select(l => l.Key)).Distinct().ToList();
            queued = (await db.DepositRequests.AsNoTracking()
                .Where(d => d.Status == DepositRequestStatus.Queued && !skipped.Contains(d.Id))
                .OrderBy(d => d.RequestedAtUnixMs)
                .Take(room)
                .Join(db.Accounts.AsNoTracking(), d => new { d.Party, d.Currency }, a => new { a.Party, a.Currency }, (d, a) => new { Request = d, a.Address })
                .ToListAsync(ct)).Select(x => (x.Request, x.Address)).ToList();
        }
        var sends = new List<Task>();
        foreach (var (request, address) in queued)
        {
            if (!_inFlight.TryAdd(request.Id, 0)) continue;
            sends.Add(Task.Run(() => SendAsync(request, address), CancellationToken.None));
        }
        return sends;
    }

    private async Task SendAsync(DepositRequest request, string address)
    {
        try
        {
            BatchTransferOutcome outcome;
            var wholeBatchRefused = false;
            try
            {
                outcome = await ledger.MintQueuedAsync(request, address, CancellationToken.None);
            }
            catch (ChainRevertedException e) when (e.Rule != UnnamedRevert)
            {
                // The whole batch refused, naming the token's rule (the bank lost its minter role…): nothing of it moved.
                (outcome, wholeBatchRefused) = (new BatchTransferOutcome(null!, null, e.Error, e.Rule), true);
            }
            // A batch mined but reverted without a named error (its estimate passed: out of gas, a state that moved) is no
            // refusal of this deposit: the catch below sends it again after a backoff.
            await RecordAsync(request, outcome, wholeBatchRefused);
            _later.TryRemove(request.Id, out _);
        }
        catch (Exception e)
        {
            var failures = _later.TryGetValue(request.Id, out var before) ? before.Failures + 1 : 1;
            var wait = Backoff(failures);
            _later[request.Id] = (failures, clock.GetUtcNow().Add(wait).ToUnixTimeMilliseconds());
            logger.LogWarning(e, "Deposit {Reference} on {Party}'s {Currency} account could not be sent or recorded ({Failures} in a row): it stays queued, sent again in {Wait}",
                request.Reference, request.Party, request.Currency, failures, wait);
        }
        finally
        {
            _inFlight.TryRemove(request.Id, out _);
        }
    }

    /// <summary>The deposit's outcome, recorded in one database transaction (its ledger entry and camt.054 with it when made).</summary>
    /// <exception cref="ChainOutcomeUnknownException">Not known yet (no event of it in the receipt; a refusal while the bank has
    /// transactions waiting in the node): sent again later.</exception>
    /// <param name="wholeBatchRefused">The batch was refused as a whole, possibly before it was mined (an estimate): earlier
    /// attempts of the deposit may still wait in the node.</param>
    private async Task RecordAsync(DepositRequest asked, BatchTransferOutcome outcome, bool wholeBatchRefused)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var request = await db.DepositRequests.SingleAsync(d => d.Id == asked.Id);
        if (request.Status != DepositRequestStatus.Queued) return; // recorded meanwhile (another replica's sender, during a change of deployment)
        var now = clock.GetUtcNow();
        if (outcome.TransactionHash is { } tx)
        {
            var entered = await db.Entries.AsNoTracking()
                .SingleOrDefaultAsync(e => e.Kind == LedgerEntryKind.Deposit && e.Reference == request.Reference && e.Party == request.Party);
            if (entered is not null)
            {
                // Booked already by its request (minted there, during a change of configuration): the same reference on
                // chain, so the same mint — the request is that booking.
                if (entered.TransactionHash != tx)
                    logger.LogError("ALERT deposit {Reference} on {Party}'s account: booked in transaction {Booked}, but the chain answers {Minted} for its reference",
                        request.Reference, request.Party, entered.TransactionHash, tx);
                request.MarkBooked(entered.TransactionHash, now);
                await db.SaveChangesAsync();
                return;
            }
            var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Party == request.Party && a.Currency == request.Currency);
            var amount = LedgerEntry.FromMinor(request.AmountMinor);
            db.Entries.Add(new LedgerEntry
            {
                Party = request.Party, Currency = request.Currency, AmountMinor = request.AmountMinor, Kind = LedgerEntryKind.Deposit, Reference = request.Reference,
                TransactionHash = tx, AtUnixMs = now.ToUnixTimeMilliseconds(),
            });
            scope.ServiceProvider.GetRequiredService<Iso20022Recorder>().Notify(db, $"{account.Party}/{account.Currency}", account.Party, account.Address,
                account.ServicingBank, true, amount, account.Currency, request.Reference, request.Bank, ledger.Wallets.AddressOf(request.Bank), tx, $"Deposit {request.Reference}");
            request.MarkBooked(tx, now);
        }
        else if (outcome.Undecided || outcome.Rule == BatchTransferOutcome.NotInBatchRule)
            throw new ChainOutcomeUnknownException("mint", outcome.Refusal ?? "no outcome");
        else if (wholeBatchRefused && await ledger.Chain.HasPendingTransactionsAsync(ledger.Wallets.AddressOf(request.Bank)))
            throw new ChainOutcomeUnknownException("mint", $"refused ({outcome.Refusal}), but the bank has transactions waiting in the node: an earlier attempt may still mint it");
        else
            request.MarkRefused(outcome.Rule ?? "refused", outcome.Refusal ?? "The settlement token refused the mint: nothing moved.", now);
        await db.SaveChangesAsync();
    }

    private static TimeSpan Backoff(int failures) => DutySettlementWorker.Backoff(failures);
}

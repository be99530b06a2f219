using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// The durable per-bank submission queue of duty settlements: a settlement's saved intent (Settling, by a bank whose key
/// this service's signer holds) is its entry — nothing else is stored, so nothing queued is lost with the process. A
/// bank's lane (<see cref="DutySettlementWorker"/>) is woken in process when an entry is saved and flushes what gathered in
/// the window as one chain transaction; requests waiting for their settlement hear the outcome here.
/// </summary>
public sealed class DutySettlementQueue(PartyWallets wallets, IOptions<PaymentsOptions> options)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TaskCompletionSource<string?> Outcome, int Waiters)> _waiting = new(StringComparer.Ordinal); // under its own lock
    private int _waiters;
    private readonly SemaphoreSlim _newLane = new(0);

    /// <summary>
    /// Whether <paramref name="bankParty"/>'s settlements go through its queue: batching is on and this service's signer
    /// configuration holds the bank's key (a bank that signs itself, or whose wallet sends, settles transaction by transaction).
    /// </summary>
    public bool Batches(string bankParty) =>
        options.Value.SettlementBatchWindowMs > 0 && wallets.HasAccount(bankParty) && !wallets.SignsItself(bankParty);

    /// <summary>The window a bank's queued settlements gather in before they are sent.</summary>
    public TimeSpan Window => TimeSpan.FromMilliseconds(Math.Max(0, options.Value.SettlementBatchWindowMs));

    /// <summary>This process as a holder of banks' settlement leases (its host, process and a random part: unique across replicas and restarts).</summary>
    public string LeaseHolder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>The most settlements in one transaction.</summary>
    public int MaxItems => Math.Clamp(options.Value.SettlementBatchMaxItems, 1, Math.Min(PaymentsOptions.MostBatchItems, SettlementClient.MaxTransfersPerBatch));

    /// <summary>An entry of <paramref name="bankParty"/>'s queue was saved: its lane wakes (and starts, the first time).</summary>
    public void Queued(string bankParty)
    {
        var isNew = false;
        var lane = _lanes.GetOrAdd(bankParty, _ => { isNew = true; return new SemaphoreSlim(0, 1); });
        if (isNew) _newLane.Release();
        try { if (lane.CurrentCount == 0) lane.Release(); }
        catch (SemaphoreFullException) { /* already woken */ }
    }

    /// <summary>The banks whose lanes exist, and a wait for the next one to appear.</summary>
    internal IReadOnlyCollection<string> Banks => [.. _lanes.Keys];

    internal Task WaitForNewLaneAsync(TimeSpan timeout, CancellationToken ct) => _newLane.WaitAsync(timeout, ct);

    internal Task<bool> WaitForWorkAsync(string bankParty, TimeSpan timeout, CancellationToken ct) => _lanes[bankParty].WaitAsync(timeout, ct);

    /// <summary>
    /// Waits until the settlement of payment <paramref name="reference"/> is recorded by its lane, at most <paramref name="timeout"/>:
    /// null when it was made (Settled), the refusal when it was given up; also null when the time ran out (read the payment).
    /// </summary>
    public async Task<string?> WaitAsync(string reference, TimeSpan timeout, CancellationToken ct)
    {
        TaskCompletionSource<string?> outcome;
        lock (_waiting)
        {
            outcome = _waiting.TryGetValue(reference, out var entry) ? entry.Outcome : new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[reference] = (outcome, entry.Waiters + 1);
        }
        try
        {
            return await outcome.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            // Kept while another request waits on the same payment; dropped with its last waiter.
            lock (_waiting)
            {
                if (_waiting.TryGetValue(reference, out var entry) && entry.Outcome == outcome)
                {
                    if (entry.Waiters <= 1) _waiting.Remove(reference);
                    else _waiting[reference] = (outcome, entry.Waiters - 1);
                }
            }
        }
    }

    /// <summary>
    /// A place among the requests waiting for their settlement's record (at most Payments:SettlementMaxWaiters in this
    /// process); false when all are taken: the request answers 202 at once. Given back with <see cref="LeaveWaiting"/>.
    /// </summary>
    public bool TryJoinWaiting()
    {
        if (Interlocked.Increment(ref _waiters) <= Math.Max(0, options.Value.SettlementMaxWaiters)) return true;
        Interlocked.Decrement(ref _waiters);
        return false;
    }

    public void LeaveWaiting() => Interlocked.Decrement(ref _waiters);

    /// <summary>The lane recorded what became of <paramref name="reference"/>'s settlement (null: settled; else why it was given up).</summary>
    public void Recorded(string reference, string? refusal)
    {
        TaskCompletionSource<string?>? outcome = null;
        lock (_waiting)
        {
            if (_waiting.Remove(reference, out var entry)) outcome = entry.Outcome;
        }
        outcome?.TrySetResult(refusal);
    }
}

/// <summary>
/// Runs one lane per bank: every <see cref="Rescan"/> the banks with a settlement Settling are looked up (queued here or by
/// another replica, or sent before a crash) and their lanes woken; a lane also wakes when this process saves an entry, lets
/// the window gather more, takes the bank's settlement lease (<see cref="SettlementLeases"/>: one sender per bank across
/// replicas; another holds it ⇒ it waits for the next scan) and flushes (<see cref="Application.SettleQueuedDutyPayments"/>)
/// until its queue is empty, then lets the lease go. A flush, once begun, runs to its end even when the process stops (its
/// sends and saves are not cancelled). A lane's failure (chain or database unavailable, lease lost) is retried with backoff;
/// its entries stay queued. Off where Payments:SettlementWorkerEnabled is false.
/// </summary>
public sealed class DutySettlementWorker(IServiceScopeFactory scopes, DutySettlementQueue queue, IOptions<PaymentsOptions> options,
    ILogger<DutySettlementWorker> logger) : BackgroundService
{
    /// <summary>How often the banks with queued settlements are looked up, and a lane looks at its queue with no wake-up.</summary>
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(5);

    private TimeSpan LeaseDuration => TimeSpan.FromSeconds(Math.Max(1, options.Value.SettlementLeaseSeconds));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SettlementWorkerEnabled)
        {
            logger.LogInformation("The duty settlement worker is off here (Payments:SettlementWorkerEnabled=false): another process sends the banks' queued settlements");
            return;
        }
        try
        {
            var running = new Dictionary<string, Task>(StringComparer.Ordinal);
            while (!stoppingToken.IsCancellationRequested)
            {
                await ScanAsync(stoppingToken);
                foreach (var bank in queue.Banks.Where(b => !running.ContainsKey(b)))
                    running[bank] = Task.Run(() => RunLaneAsync(bank, stoppingToken), stoppingToken);
                await queue.WaitForNewLaneAsync(Rescan, stoppingToken);
            }
            await Task.WhenAll(running.Values);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>Wakes the lane of every bank with a queued settlement (saved by any replica, or left by a crash).</summary>
    private async Task ScanAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            var banks = await db.DutyPayments.AsNoTracking().Where(p => p.Status == DutyPaymentStatus.Settling && p.SettledByBank != null)
                .Select(p => p.SettledByBank!).Distinct().ToListAsync(ct);
            foreach (var bank in banks.Where(queue.Batches)) queue.Queued(bank);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not look up the banks with queued duty settlements; looking again in {Rescan}", Rescan);
        }
    }

    private async Task RunLaneAsync(string bank, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!await queue.WaitForWorkAsync(bank, Rescan, ct)) continue;
                await Task.Delay(queue.Window, ct); // the window: the settlements asked meanwhile go in the same transaction
                // From here the flush runs to its end: a send is awaited and recorded, never cut off by the process stopping.
                await FlushAsync(bank, CancellationToken.None);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogWarning(e, "Flushing {Bank}'s queued duty settlements failed ({Failures} in a row); they stay queued", bank, ++failures);
                await Task.Delay(Backoff(failures), ct);
                queue.Queued(bank);
            }
        }
    }

    /// <summary>Under the bank's lease (when this process gets it), flushes its queue until empty, then lets the lease go.</summary>
    private async Task FlushAsync(string bank, CancellationToken ct)
    {
        HeldLease? lease;
        await using (var scope = scopes.CreateAsyncScope())
            lease = await scope.ServiceProvider.GetRequiredService<SettlementLeases>().TryAcquireAsync(bank, queue.LeaseHolder, LeaseDuration, ct);
        if (lease is null)
        {
            logger.LogDebug("The settlement lease of {Bank} is held by another process: that one sends the bank's queue", bank);
            return;
        }
        (int Taken, int Resolved) flushed;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            flushed = await scope.ServiceProvider.GetRequiredService<Application.SettleQueuedDutyPayments>().HandleAsync(lease, queue.MaxItems, ct);
        } while (flushed.Taken == queue.MaxItems && flushed.Resolved > 0); // a full batch: more may wait (items left queued come first again: not at once)
        await using (var scope = scopes.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<SettlementLeases>().ReleaseAsync(lease, ct);
    }

    private static TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 7))));
}

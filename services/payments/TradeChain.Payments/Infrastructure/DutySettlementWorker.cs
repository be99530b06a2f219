using System.Collections.Concurrent;
using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;
using TradeChain.Payments.Domain;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// Runs one lane per bank: every <see cref="Rescan"/> the banks with a settlement queued are looked up (queued here or by
/// another replica, or sent before a crash) and their lanes woken; a lane also wakes when this process saves an entry, lets
/// the window gather more (not behind a backlog, below), takes the bank's settlement lease (<see cref="SettlementLeases"/>: one sender per bank across
/// replicas; another holds it ⇒ it waits for the next scan) and starts a flush (<see cref="Application.SettleQueuedDutyPayments"/>).
/// Up to Payments:SettlementBatchesInFlight flushes of a bank run at once: once a flush has read what it takes, the lane
/// may start the next one (which leaves those references alone), so settlements asked while a batch waits for its block
/// go in the next batch instead of waiting for that receipt; a flush that took a full batch wakes the lane again as soon as
/// it has read — when more are queued behind it (it reads one more to know) — and the next flush starts without waiting the
/// window (a backlog has nothing to gather), so a backlog fills every free slot at once. The lease is let go when the bank's last flush ends (unless
/// one failed, below); taken over from a holder whose lease ran out, nothing is given up for <see cref="TakeOverGrace"/>. A flush,
/// once begun, runs to its end even when the process stops (its sends and saves are not cancelled). A flush's failure
/// (chain or database unavailable, lease lost) is retried with backoff; its entries stay queued, and the lease is not let
/// go (another replica takes it only once it expires). Items a flush could not decide yet (a transaction of the bank that
/// may carry them is not mined) are looked at again after <see cref="LookAgainAfter"/>. Off where
/// Payments:SettlementWorkerEnabled is false.
/// </summary>
public sealed class DutySettlementWorker(IServiceScopeFactory scopes, DutySettlementQueue queue, IOptions<PaymentsOptions> options,
    ChainOptions chain, TimeProvider clock, ILogger<DutySettlementWorker> logger) : BackgroundService
{
    /// <summary>How often the banks with queued settlements are looked up (their lanes woken), and a lane's wait for a wake-up times out (then it waits again).</summary>
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(5);

    private TimeSpan LeaseDuration => TimeSpan.FromSeconds(Math.Max(1, options.Value.SettlementLeaseSeconds));

    /// <summary>One bank's lane: its flushes in flight, the references they took, and the lease they share.</summary>
    private sealed class Lane(string bank, int maxInFlight)
    {
        public string Bank { get; } = bank;
        public readonly SemaphoreSlim Slots = new(maxInFlight, maxInFlight);
        public readonly SemaphoreSlim LeaseGate = new(1, 1); // guards Lease and Flushing
        public HeldLease? Lease;
        public int Flushing;
        public readonly Lock Gate = new(); // guards InFlight
        public readonly HashSet<string> InFlight = new(StringComparer.Ordinal);
        public int Failures;
        /// <summary>Per unsent item, the bank's nonce count below which it may have been carried, and the lease fence it
        /// was seen under (see <see cref="Application.SettleQueuedDutyPayments"/>: one of another fence is stale).</summary>
        public readonly ConcurrentDictionary<string, (long Fence, BigInteger Bound)> NonceBounds = new(StringComparer.Ordinal);
        /// <summary>The fence the lane last took the lease at, and when (Unix ms) it may give up items under it (see <see cref="HeldLease"/>).</summary>
        public long TakenFence = -1;
        public long DecideAfterUnixMs;
        /// <summary>A flush under the lease held now failed: the lease is not let go but left to expire.</summary>
        public bool FailedUnderLease;
        /// <summary>
        /// Not 0 when the last flush that took something (last to write it: flushes end concurrently) left items undecided
        /// (their count), could not save its outcomes, or failed (then 1 or more). Only whether it is 0 is used.
        /// </summary>
        public int LastUndecided;
        /// <summary>Flushes in a row that took something and left items undecided (an ALERT every <see cref="AlertEveryUndecidedRounds"/>).</summary>
        public int UndecidedRounds;
    }

    /// <summary>
    /// How many flushes in a row leaving settlements undecided (a transaction of the bank that may carry them stays unmined:
    /// a stalled chain, a nonce gap) make the worker raise an alert in its log, and again at every such multiple: at least a
    /// minute at the lane's look-again pace of one a second.
    /// </summary>
    public const int AlertEveryUndecidedRounds = 60;

    /// <summary>How soon a lane looks again at items left undecided (a transaction of the bank that may carry them was not mined yet).</summary>
    private static readonly TimeSpan LookAgainAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after taking over a lease that ran out (not let go) nothing is given up: as long as the holder before may
    /// still be sending (<see cref="ChainOptions.LongestSend"/>).
    /// </summary>
    private TimeSpan TakeOverGrace => chain.LongestSend;

    /// <summary>The most bounds a lane remembers (past it they are forgotten: decisions then wait on later transactions, nothing else).</summary>
    private const int MostBounds = 10_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SettlementWorkerEnabled)
        {
            logger.LogInformation("The duty settlement worker is off here (Payments:SettlementWorkerEnabled=false): another process sends the banks' queued settlements");
            return;
        }
        var flushes = new List<Task>();
        var running = new Dictionary<string, Task>(StringComparer.Ordinal);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await ScanAsync(stoppingToken);
                foreach (var bank in queue.Banks.Where(b => !running.ContainsKey(b)))
                    running[bank] = Task.Run(() => RunLaneAsync(new Lane(bank, Math.Clamp(options.Value.SettlementBatchesInFlight, 1, 16)), flushes, stoppingToken), stoppingToken);
                await queue.WaitForNewLaneAsync(Rescan, stoppingToken);
            }
            await Task.WhenAll(running.Values);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            // The lanes first (they end on the stop): none of them starts a flush after the snapshot below.
            try { await Task.WhenAll(running.Values); } catch { /* each lane ends on the stop; its failures were logged */ }
            Task[] begun;
            lock (flushes) begun = [.. flushes];
            await Task.WhenAll(begun); // flushes run to their end: a send is awaited and recorded
        }
    }

    /// <summary>Wakes the lane of every bank with a queued settlement (saved by any replica, or left by a crash).</summary>
    private async Task ScanAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            var banks = await db.DutyPayments.AsNoTracking().Where(p => p.Status == DutyPaymentStatus.Settling && p.SettledByBank != null && !p.SettledInRequest)
                .Select(p => p.SettledByBank!).Distinct().ToListAsync(ct);
            foreach (var bank in banks.Where(queue.Batches)) queue.Queued(bank);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not look up the banks with queued duty settlements; looking again in {Rescan}", Rescan);
        }
    }

    private async Task RunLaneAsync(Lane lane, List<Task> flushes, CancellationToken ct)
    {
        var backlog = false; // the last flush begun took a full batch with more queued behind it: nothing to gather
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!await queue.WaitForWorkAsync(lane.Bank, Rescan, ct)) { backlog = false; continue; }
                // The window: the settlements asked meanwhile go in the same transaction. Not behind a backlog (a full batch
                // taken with more queued behind it): the next batch fills at once, and waiting would only hold it back from the block.
                if (!backlog) await Task.Delay(queue.Window, ct);
                backlog = false;
                await lane.Slots.WaitAsync(ct);
                HeldLease? lease;
                try
                {
                    lease = await TakeLeaseAsync(lane, ct);
                }
                catch
                {
                    lane.Slots.Release();
                    throw;
                }
                if (lease is null)
                {
                    lane.Slots.Release();
                    logger.LogDebug("The settlement lease of {Bank} is held by another process: that one sends the bank's queue", lane.Bank);
                    continue;
                }
                // From here the flush runs to its end: a send is awaited and recorded, never cut off by the process stopping.
                var read = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously); // a backlog behind what it took
                var flush = FlushAsync(lane, lease, read, ct);
                lock (flushes)
                {
                    flushes.RemoveAll(f => f.IsCompleted);
                    flushes.Add(flush);
                }
                // What it took is in flight now: the next flush leaves it alone. A full batch taken with more queued behind it (a
                // backlog) — the lane is woken again now, so the next flush starts at a free slot (no window), not at the next wake-up
                // (wake-ups collapse into one, so a backlog queued at once would otherwise be taken one flush per flush that
                // ends, leaving slots idle). The flush's own end wakes the lane again too (below); at a backlog's tail that
                // costs one flush that finds nothing.
                // Not while the lane's last flush that took something left items undecided, could not save, or failed (a chain
                // that stalls, a database that refuses): those are looked at again after LookAgainAfter or a backoff, as before.
                if (await read.Task.WaitAsync(ct) && Volatile.Read(ref lane.LastUndecided) == 0)
                {
                    backlog = true;
                    queue.Queued(lane.Bank);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogWarning(e, "Taking {Bank}'s settlement lease failed; its queued duty settlements stay queued", lane.Bank);
                await Task.Delay(Backoff(++lane.Failures), ct);
                queue.Queued(lane.Bank);
            }
        }
    }

    /// <summary>The bank's lease for one more flush: the one its flushes in flight share, else taken now (null: another process holds it).</summary>
    private async Task<HeldLease?> TakeLeaseAsync(Lane lane, CancellationToken ct)
    {
        await lane.LeaseGate.WaitAsync(ct);
        try
        {
            if (lane.Lease is null)
            {
                await using var scope = scopes.CreateAsyncScope();
                var taken = await scope.ServiceProvider.GetRequiredService<SettlementLeases>().TryAcquireAsync(lane.Bank, queue.LeaseHolder, LeaseDuration, ct);
                if (taken is null) return null;
                if (taken.Fence != lane.TakenFence)
                {
                    // Another holder had it in between (the fence moves only then). Taken from one whose lease ran out, that
                    // one may still be sending: nothing is given up until it cannot be any more.
                    lane.TakenFence = taken.Fence;
                    lane.FailedUnderLease = false; // a failure under the lease before was another holding's
                    lane.DecideAfterUnixMs = taken.TakenFromExpired ? clock.GetUtcNow().ToUnixTimeMilliseconds() + (long)TakeOverGrace.TotalMilliseconds : 0;
                    if (taken.TakenFromExpired)
                        logger.LogWarning("Took over {Bank}'s settlement lease from a holder whose lease ran out: nothing of the bank's is given up for {Grace}", lane.Bank, TakeOverGrace);
                }
                lane.Lease = taken with { DecideAfterUnixMs = lane.DecideAfterUnixMs };
            }
            lane.Flushing++;
            return lane.Lease;
        }
        finally
        {
            lane.LeaseGate.Release();
        }
    }

    /// <summary>One flush under the lane's lease; the last of the bank's flushes to end lets the lease go.</summary>
    /// <param name="stopping">Cuts only the backoff after a failure, never the send or the save.</param>
    private async Task FlushAsync(Lane lane, HeldLease lease, TaskCompletionSource<bool> read, CancellationToken stopping)
    {
        await Task.Yield(); // the lane goes on once this flush has read what it takes
        IReadOnlyList<string> took = [];
        var again = false;
        var failed = false;
        var undecided = 0;
        try
        {
            string[] inFlight;
            lock (lane.Gate) inFlight = [.. lane.InFlight];
            (int Taken, int Resolved, int Undecided, bool Again) flushed;
            if (lane.NonceBounds.Count > MostBounds) lane.NonceBounds.Clear();
            await using (var scope = scopes.CreateAsyncScope())
                flushed = await scope.ServiceProvider.GetRequiredService<Application.SettleQueuedDutyPayments>().HandleAsync(lease, queue.MaxItems, CancellationToken.None,
                    inFlight, (references, backlog) =>
                    {
                        took = references;
                        lock (lane.Gate) lane.InFlight.UnionWith(references);
                        read.TrySetResult(backlog);
                    }, lane.NonceBounds);
            lane.Failures = 0;
            undecided = flushed.Undecided;
            // Only a flush that took something says how the lane stands (an empty one says nothing): outcomes it could not
            // save count as unsettled too.
            if (took.Count > 0) Volatile.Write(ref lane.LastUndecided, flushed.Again ? Math.Max(1, undecided) : undecided);
            if (took.Count > 0 && undecided == 0) Interlocked.Exchange(ref lane.UndecidedRounds, 0);
            else if (undecided > 0 && Interlocked.Increment(ref lane.UndecidedRounds) is var rounds && rounds % AlertEveryUndecidedRounds == 0)
                logger.LogError("ALERT {Bank}'s queued duty settlements: {Undecided} left undecided {Rounds} flushes in a row — a transaction of the bank that may carry them " +
                                "is not mined (a stalled chain, a nonce gap); they stay queued and nothing is given up until it is", lane.Bank, undecided, rounds);
            // A full batch: more may wait (items left queued come first again: not at once). Outcomes not saved: at once.
            again = flushed.Again || (flushed.Taken == queue.MaxItems && flushed.Resolved > 0);
        }
        catch (Exception e)
        {
            failed = true;
            Volatile.Write(ref lane.LastUndecided, 1); // before the backoff: no early wake-up meanwhile
            var failures = Interlocked.Increment(ref lane.Failures);
            if (WorkerAlerts.Due(failures))
                logger.LogError(e, "ALERT flushing {Bank}'s queued duty settlements has failed {Failures} times in a row; they stay queued", lane.Bank, failures);
            else
                logger.LogWarning(e, "Flushing {Bank}'s queued duty settlements failed ({Failures} in a row); they stay queued", lane.Bank, failures);
            if (e is SettlementLeaseLostException) await ForgetLeaseAsync(lane, lease);
            again = true;
            try { await Task.Delay(Backoff(failures), stopping); }
            catch (OperationCanceledException) { again = false; } // stopping: the restart's scan finds them queued
        }
        finally
        {
            read.TrySetResult(false);
            lock (lane.Gate) lane.InFlight.ExceptWith(took);
            await EndFlushAsync(lane, failed);
            lane.Slots.Release();
            if (again) queue.Queued(lane.Bank); // after its references left the in-flight set, so the next flush takes them
            else if (undecided > 0) _ = LookAgainAsync(lane.Bank, TimeSpan.FromMilliseconds(Math.Max(LookAgainAfter.TotalMilliseconds,
                lease.DecideAfterUnixMs - clock.GetUtcNow().ToUnixTimeMilliseconds())), stopping); // not before anything may be given up
        }
    }

    /// <summary>Wakes the lane shortly, for its undecided items (the scan would too, later).</summary>
    private async Task LookAgainAsync(string bank, TimeSpan after, CancellationToken stopping)
    {
        try { await Task.Delay(after, stopping); queue.Queued(bank); }
        catch (OperationCanceledException) { }
    }

    private static async Task ForgetLeaseAsync(Lane lane, HeldLease lost)
    {
        await lane.LeaseGate.WaitAsync();
        try { if (lane.Lease == lost) lane.Lease = null; }
        finally { lane.LeaseGate.Release(); }
    }

    /// <summary>
    /// A flush ended: when it was the bank's last in flight, the lease is let go (another replica may take the bank) — or,
    /// when any flush under it failed (<paramref name="failed"/> now or before: a transaction it sent may still be on its way to the node), only
    /// forgotten here, so that it expires by itself and no other replica decides on the bank's items at once (this process
    /// may take it again at once: its own later flushes read the node's nonce count after this one's send ended).
    /// </summary>
    private async Task EndFlushAsync(Lane lane, bool failed)
    {
        await lane.LeaseGate.WaitAsync();
        try
        {
            if (failed) lane.FailedUnderLease = true;
            if (--lane.Flushing > 0 || lane.Lease is not { } lease) return;
            lane.Lease = null;
            // Not let go during a take-over grace either: the next taker would see it let go, not run out, and wait for nothing.
            var letGo = !lane.FailedUnderLease && clock.GetUtcNow().ToUnixTimeMilliseconds() >= lane.DecideAfterUnixMs;
            lane.FailedUnderLease = false;
            if (!letGo) return;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<SettlementLeases>().ReleaseAsync(lease, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Letting {Bank}'s settlement lease go failed; it expires by itself", lane.Bank);
            }
        }
        finally
        {
            lane.LeaseGate.Release();
        }
    }

    /// <summary>The wait after <paramref name="failures"/> failures in a row: 0.5 s doubling to 30 s (as the booking sender's).</summary>
    internal static TimeSpan Backoff(int failures) => ServiceDefaults.Backoff.After(failures, TimeSpan.FromMilliseconds(500));
}

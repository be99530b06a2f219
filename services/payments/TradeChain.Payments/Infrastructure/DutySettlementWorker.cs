using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Payments.Domain;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// Runs one lane per bank: every <see cref="Rescan"/> the banks with a settlement queued are looked up (queued here or by
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
            var banks = await db.DutyPayments.AsNoTracking().Where(p => p.Status == DutyPaymentStatus.Settling && p.SettledByBank != null && !p.SettledInRequest)
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

using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// Wakes background workers (outbox dispatcher, anchoring worker, document issuer) as soon as a unit of work
/// commits, instead of waiting for their next poll. Each worker registers its own wake-up.
/// </summary>
public sealed class WorkSignal
{
    private readonly Lock _lock = new();
    private readonly List<SemaphoreSlim> _waiters = [];

    public WakeUp Register()
    {
        var semaphore = new SemaphoreSlim(0, 1);
        lock (_lock) _waiters.Add(semaphore);
        return new WakeUp(semaphore);
    }

    public void Committed()
    {
        lock (_lock)
        {
            foreach (var waiter in _waiters)
            {
                try { if (waiter.CurrentCount == 0) waiter.Release(); }
                catch (SemaphoreFullException) { /* already signalled */ }
            }
        }
    }

    public sealed class WakeUp(SemaphoreSlim semaphore)
    {
        /// <summary>Waits for the next commit or the timeout, whichever comes first.</summary>
        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => semaphore.WaitAsync(timeout, ct);
    }
}

/// <summary>Signals <see cref="WorkSignal"/> after every successful save.</summary>
public sealed class WorkSignalInterceptor(WorkSignal signal) : SaveChangesInterceptor
{
    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (result > 0) signal.Committed();
        return ValueTask.FromResult(result);
    }
}

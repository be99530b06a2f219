using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// Wakes background workers (outbox dispatcher, anchoring worker, document issuer and revoker) as soon as a unit of work
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

/// <summary>
/// Signals <see cref="WorkSignal"/> after every successful save that is committed when it returns. A save inside an
/// explicit transaction is not: <see cref="TransactionEndInterceptor"/> signals when that transaction commits.
/// </summary>
public sealed class WorkSignalInterceptor(WorkSignal signal) : SaveChangesInterceptor
{
    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (result > 0 && eventData.Context?.Database.CurrentTransaction is null) signal.Committed();
        return ValueTask.FromResult(result);
    }
}

/// <summary>
/// When a transaction of a unit of work ends: on its commit, wakes the workers (<see cref="WorkSignal"/>, when given) and
/// lets the context announce what its saves in that transaction recorded (<see cref="ServiceDbContext.TransactionEnded"/>:
/// the long-poll wake-ups and the transition counts, held back until the commit made them visible); on its rollback, the
/// context forgets them, and a transaction that begins (or is handed in with <c>UseTransaction</c>) forgets what one
/// that ended unseen left. Either way it wakes the SQLite writers of the process waiting for the write lock
/// (<see cref="SqliteWriteWait"/>). EF's own transaction around a save comes through here too (nothing is held back for it).
/// Every context configured by <see cref="DatabaseRegistration.UseServiceDatabase{TBuilder}"/> has one.
/// </summary>
public sealed class TransactionEndInterceptor(WorkSignal? signal = null) : DbTransactionInterceptor
{
    /// <summary>The one without workers to wake (tools, tests, and the services' contexts before their workers' is added).</summary>
    public static readonly TransactionEndInterceptor WithoutWorkers = new();

    public override System.Data.Common.DbTransaction TransactionStarted(System.Data.Common.DbConnection connection, TransactionEndEventData eventData,
        System.Data.Common.DbTransaction result)
        => Began(eventData, result);

    public override ValueTask<System.Data.Common.DbTransaction> TransactionStartedAsync(System.Data.Common.DbConnection connection, TransactionEndEventData eventData,
        System.Data.Common.DbTransaction result, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Began(eventData, result));

    /// <summary>
    /// A transaction begun on the connection and handed in with <c>UseTransaction</c> (as <see cref="ReadSnapshot"/> does)
    /// begins this context's next transaction just as one begun through EF does.
    /// </summary>
    public override System.Data.Common.DbTransaction TransactionUsed(System.Data.Common.DbConnection connection, TransactionEventData eventData,
        System.Data.Common.DbTransaction result)
        => Began(eventData, result);

    public override ValueTask<System.Data.Common.DbTransaction> TransactionUsedAsync(System.Data.Common.DbConnection connection, TransactionEventData eventData,
        System.Data.Common.DbTransaction result, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Began(eventData, result));

    public override void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Ended(eventData, committed: true);

    public override Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(eventData, committed: true);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Ended(eventData, committed: false);

    public override Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(eventData, committed: false);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(System.Data.Common.DbTransaction transaction, TransactionErrorEventData eventData) => Failed(eventData);

    public override Task TransactionFailedAsync(System.Data.Common.DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Failed(eventData);
        return Task.CompletedTask;
    }

    private static System.Data.Common.DbTransaction Began(TransactionEventData eventData, System.Data.Common.DbTransaction result)
    {
        (eventData.Context as ServiceDbContext)?.TransactionStarted();
        return result;
    }

    /// <summary>A commit or a rollback that failed ended the transaction uncommitted (a savepoint's failure did not end it).</summary>
    private static void Failed(TransactionErrorEventData eventData)
    {
        if (eventData.Action is not ("Commit" or "Rollback")) return;
        SqliteWriteWait.TransactionEnded();
        (eventData.Context as ServiceDbContext)?.TransactionEnded(committed: false);
    }

    private void Ended(TransactionEndEventData eventData, bool committed)
    {
        SqliteWriteWait.TransactionEnded();
        if (committed) signal?.Committed();
        (eventData.Context as ServiceDbContext)?.TransactionEnded(committed);
    }
}

using System.Collections.Concurrent;

namespace TradeChain.Customs.Application;

/// <summary>
/// Long-poll of a declaration's status: a request waiting for a declaration to move past a version is woken when this
/// replica commits a transition of it (<see cref="Infrastructure.CustomsDbContext"/>), and re-reads the database every
/// <see cref="RecheckInterval"/> for a transition another replica committed. At most <see cref="MaxWaiting"/> requests
/// wait at once; beyond that a request is answered at once with the declaration as it is (the client simply asks again).
/// </summary>
public sealed class DeclarationChanges
{
    public const int MaxWaiting = 10_000;
    public const int MaxWaitSeconds = 30;
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _next = new();
    private int _waiting;

    /// <summary>
    /// A task that completes at the next transition of <paramref name="id"/> committed here (ask before reading the
    /// declaration, so a transition between the read and the wait is not missed); null when too many requests wait already.
    /// Dispose the lease when done waiting.
    /// </summary>
    public Lease? Watch(Guid id)
    {
        if (Interlocked.Increment(ref _waiting) > MaxWaiting)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }
        var next = _next.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return new Lease(this, next.Task);
    }

    /// <summary>Wakes every request waiting on these declarations (called once their transitions are committed).</summary>
    public void Committed(IEnumerable<Guid> ids)
    {
        foreach (var id in ids.Distinct())
            if (_next.TryRemove(id, out var next)) next.TrySetResult();
    }

    public sealed class Lease(DeclarationChanges owner, Task changed) : IDisposable
    {
        private int _disposed;

        public Task Changed { get; } = changed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref owner._waiting);
        }
    }
}

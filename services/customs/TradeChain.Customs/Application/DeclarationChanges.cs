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

    private readonly Dictionary<Guid, Waiters> _waiting = new();
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>
    /// A task that completes at the next transition of <paramref name="id"/> committed here (ask before reading the
    /// declaration, so a transition between the read and the wait is not missed); null when too many requests wait already.
    /// Dispose the lease when done waiting: the last one to leave a declaration forgets it.
    /// </summary>
    public Lease? Watch(Guid id)
    {
        lock (_lock)
        {
            if (_count >= MaxWaiting) return null;
            _count++;
            if (!_waiting.TryGetValue(id, out var waiters)) _waiting[id] = waiters = new Waiters();
            waiters.Count++;
            return new Lease(this, id, waiters.Next.Task);
        }
    }

    /// <summary>Requests waiting now (for tests and metrics).</summary>
    public int Waiting
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Wakes every request waiting on these declarations (called once their transitions are committed).</summary>
    public void Committed(IEnumerable<Guid> ids)
    {
        foreach (var id in ids.Distinct())
        {
            TaskCompletionSource? next = null;
            lock (_lock)
            {
                if (_waiting.TryGetValue(id, out var waiters))
                {
                    next = waiters.Next;
                    waiters.Next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            next?.TrySetResult();
        }
    }

    private void Leave(Guid id)
    {
        lock (_lock)
        {
            _count--;
            if (_waiting.TryGetValue(id, out var waiters) && --waiters.Count == 0) _waiting.Remove(id);
        }
    }

    private sealed class Waiters
    {
        public int Count;
        public TaskCompletionSource Next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Lease(DeclarationChanges owner, Guid id, Task changed) : IDisposable
    {
        private int _disposed;

        public Task Changed { get; } = changed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Leave(id);
        }
    }
}

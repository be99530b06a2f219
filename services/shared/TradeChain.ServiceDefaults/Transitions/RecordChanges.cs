using Microsoft.AspNetCore.Http;

namespace TradeChain.ServiceDefaults.Transitions;

/// <summary>
/// Long-poll of a record's status (a declaration, a document, a duty payment): a request waiting for the record to move
/// past a version is woken when this process commits a transition of it (<see cref="Persistence.ServiceDbContext"/> calls
/// <see cref="Committed"/> for every transition it records), and re-reads the record's version every
/// <see cref="RecheckInterval"/> for a transition another replica committed.
/// <para>
/// Waiting costs a parked request, so it is bounded twice: at most <see cref="MaxWaiting"/> requests wait in one process,
/// and at most <see cref="MaxWaitingPerParty"/> of them for one caller party, so one party (a runaway client) cannot use
/// up the places of the others. A request beyond either bound is answered at once with the record as it is; the client
/// simply asks again (it has lost nothing but the wait).
/// </para>
/// </summary>
public sealed class RecordChanges(int maxWaiting = RecordChanges.MaxWaiting, int maxWaitingPerParty = RecordChanges.MaxWaitingPerParty)
{
    public const int MaxWaiting = 10_000;
    public const int MaxWaitingPerParty = 1_000;
    public const int MaxWaitSeconds = 30;
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, Waiters> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byParty = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>The key of a record in <see cref="Committed"/>: its type and key in the transition log.</summary>
    public static string KeyOf(string aggregateType, string aggregateKey) => aggregateType + "/" + aggregateKey;

    /// <summary>
    /// A place among the requests waiting on the record <paramref name="key"/> (<see cref="KeyOf"/>) for
    /// <paramref name="party"/> — take it before reading the record, so a transition between the read and the wait is not
    /// missed; null when too many requests wait already (in this process, or of this party). Dispose the lease when done
    /// waiting: the last one to leave a record forgets it.
    /// </summary>
    public Lease? Watch(string key, string party)
    {
        lock (_lock)
        {
            var ofParty = _byParty.GetValueOrDefault(party);
            if (_count >= maxWaiting || ofParty >= maxWaitingPerParty) return null;
            _count++;
            _byParty[party] = ofParty + 1;
            if (!_waiting.TryGetValue(key, out var waiters)) _waiting[key] = waiters = new Waiters();
            waiters.Count++;
            return new Lease(this, key, party, waiters);
        }
    }

    /// <summary>Requests waiting now (for tests and metrics).</summary>
    public int Waiting
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Requests of <paramref name="party"/> waiting now.</summary>
    public int WaitingFor(string party)
    {
        lock (_lock) return _byParty.GetValueOrDefault(party);
    }

    /// <summary>
    /// Wakes every request waiting on these keys once their transitions are committed: a record's (<see cref="KeyOf"/>), or
    /// any record of a kind (<see cref="ListChanges.AnyOf"/>: a list waiting for a change).
    /// </summary>
    public void Committed(IEnumerable<string> keys)
    {
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            TaskCompletionSource? next = null;
            lock (_lock)
            {
                if (_waiting.TryGetValue(key, out var waiters))
                {
                    next = waiters.Next;
                    waiters.Next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            next?.TrySetResult();
        }
    }

    /// <summary>
    /// Follows a record for a request with <paramref name="wait"/>. First it learns whether the record is past the client's
    /// version: by <paramref name="visibleVersionOf"/> when given (the record's version if the caller may see it, null if
    /// not or if there is none: a query of the version alone — declarations, documents, duty payments), else by reading the
    /// whole record (<paramref name="read"/>, null when the caller may not see it; its version by <paramref name="version"/> —
    /// pending signatures, a settlement request following its own payment). A caller that may not see the record is answered at once (null); one whose version is behind
    /// gets the record at once. Otherwise it waits for a transition of the record — woken by a commit here, or finding one
    /// another replica committed by reading the version alone (<paramref name="recheckVersion"/>, which need not look at
    /// visibility, the caller's right being checked first; declarations, documents and duty payments pass their
    /// <paramref name="visibleVersionOf"/>) every <see cref="RecheckInterval"/> — until the wait is over,
    /// and then reads the whole record, once, as the caller may see it. Without a wait, or with no place left to wait in,
    /// the record as it is now.
    /// </summary>
    public async Task<T?> FollowAsync<T>(string key, string party, LongPoll wait, Func<CancellationToken, Task<T?>> read, Func<T, int> version,
        Func<CancellationToken, Task<int?>> recheckVersion, TimeProvider clock, CancellationToken ct,
        Func<CancellationToken, Task<int?>>? visibleVersionOf = null) where T : class
    {
        var deadline = clock.GetUtcNow().AddSeconds(wait.WaitSeconds);
        using var lease = wait is { WaitSeconds: > 0, AfterVersion: not null } ? Watch(key, party) : null;
        if (lease is not null && visibleVersionOf is not null)
        {
            if (await visibleVersionOf(ct) is not { } seen) return null; // not the caller's to see: answered as a record that does not exist
            if (seen > wait.AfterVersion) return await read(ct);
        }
        else
        {
            var record = await read(ct);
            if (record is null || lease is null || version(record) > wait.AfterVersion) return record;
        }
        var after = wait.AfterVersion!.Value;
        // The first wait is for any commit of the record since the lease was taken (before the read above), so a commit
        // between that read and this wait still wakes it; each later one is taken before the version is read again.
        var next = lease.Changed;
        for (var left = deadline - clock.GetUtcNow(); left > TimeSpan.Zero; left = deadline - clock.GetUtcNow())
        {
            await Task.WhenAny(next, Task.Delay(left < RecheckInterval ? left : RecheckInterval, clock, ct));
            ct.ThrowIfCancellationRequested();
            next = lease.NextChange();
            // Woken here (the commit may have been of a unit of work that moved no status of it), or a transition
            // committed by another replica: the version alone is read until it has moved.
            if (await recheckVersion(ct) is not { } now || now > after) break;
        }
        return await read(ct);
    }

    private void Leave(string key, string party)
    {
        lock (_lock)
        {
            _count--;
            if (--_byParty[party] == 0) _byParty.Remove(party);
            if (_waiting.TryGetValue(key, out var waiters) && --waiters.Count == 0) _waiting.Remove(key);
        }
    }

    internal sealed class Waiters
    {
        public int Count;
        public TaskCompletionSource Next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Lease : IDisposable
    {
        private readonly RecordChanges _owner;
        private readonly string _key;
        private readonly string _party;
        private readonly Waiters _waiters;
        private int _disposed;

        internal Lease(RecordChanges owner, string key, string party, Waiters waiters)
        {
            (_owner, _key, _party, _waiters) = (owner, key, party, waiters);
            Changed = waiters.Next.Task;
        }

        /// <summary>Completes at the first transition of the record committed here after the lease was taken.</summary>
        public Task Changed { get; }

        /// <summary>Completes at the next transition of the record committed here from now on.</summary>
        public Task NextChange()
        {
            lock (_owner._lock) return _waiters.Next.Task;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) _owner.Leave(_key, _party);
        }
    }
}

/// <summary>
/// A read that may wait (long-poll): <paramref name="AfterVersion"/> is the version of the record the client has,
/// <paramref name="WaitSeconds"/> how long it may wait for a newer one (0: answer at once).
/// </summary>
public readonly record struct LongPoll(int? AfterVersion, int WaitSeconds)
{
    /// <summary>The wait the query asks for, or the problems with it, each naming its parameter and rule.</summary>
    /// <param name="what">The record, as the client names it ("declaration", "document", "duty payment").</param>
    public static (LongPoll Wait, IReadOnlyList<(string Field, string Rule)> Errors) Of(int? afterVersion, int? waitSeconds, string what)
    {
        var errors = new List<(string Field, string Rule)>();
        if (waitSeconds is < 0 or > RecordChanges.MaxWaitSeconds) errors.Add(("waitSeconds", $"must be between 0 and {RecordChanges.MaxWaitSeconds}"));
        if (afterVersion is < 0) errors.Add(("afterVersion", "must not be negative"));
        if (waitSeconds is > 0 && afterVersion is null) errors.Add(("afterVersion", $"is needed with waitSeconds: the version of the {what} the client has"));
        return (new LongPoll(afterVersion, waitSeconds ?? 0), errors);
    }

    /// <summary>What an endpoint's summary says of the two parameters.</summary>
    public static string Summary(string what) =>
        $"With afterVersion (the {what}'s version the client has) and waitSeconds (at most {RecordChanges.MaxWaitSeconds}), answers as soon as its status " +
        $"has moved past that version, or when the wait is over with the {what} unchanged: a client follows a {what} without polling.";

    /// <summary>The 400 problem for <paramref name="errors"/>, or null when the wait may go ahead.</summary>
    public static IResult? Refused(IReadOnlyList<(string Field, string Rule)> errors) => errors.Count > 0 ? Problems.Validation(errors) : null;
}

using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Transitions;

/// <summary>
/// Long-poll of a list (the declarations, documents, duty payments, credits or accounts a party sees), as
/// <see cref="RecordChanges.FollowAsync{T}"/> follows one record, so that a page showing a list learns of a change without
/// asking every second or so — and of one record whose view a version cannot follow (a credit with its presentations,
/// amendments and pending signature; an account with its movements, which are no transitions: <see cref="AnswerRecordAsync"/>).
/// <para>
/// Every answer of such a list carries an <c>ETag</c>: a digest of the page exactly as this caller sees it. A GET with
/// <c>If-None-Match</c> of it is answered <c>304 Not Modified</c> (no body) while the page is the same — a conditional GET —
/// and with <c>waitSeconds</c> (at most <see cref="RecordChanges.MaxWaitSeconds"/>) it first waits up to that long for the
/// page to change: 200 with the new page as soon as it has, else 304 when the wait is over (never earlier).
/// </para>
/// <para>
/// While waiting, the request is woken by a transition of the list's kind of record committed in this process
/// (<see cref="AnyOf"/>), and every <see cref="RecordChanges.RecheckInterval"/> reads the head of the service's
/// transition log (its highest id: one index lookup), for a commit of another replica. When woken, or when the head moved,
/// the request reads its page again (at most once every <see cref="ReadAgainAtMostEvery"/> for each waiting request,
/// however busy the service), and answers only if the caller's own page changed: a change to records it may not see wakes
/// nothing it can observe. A part's transition (a credit's presentation, logged under its own kind) wakes the lists of its
/// whole's kind too. What moves a list without a transition is found by reading the page again every
/// <see cref="ReadAgainAnyway"/> (a mandate that lets a bank see more duties; a declaration citing a document, for an
/// officer's documents). At most <see cref="MaxWaitingPerParty"/> lists of one party wait at once (<see cref="MaxWaiting"/>
/// in all; a record answered by ETag takes such a place too); beyond that the request is answered at once.
/// </para>
/// </summary>
public sealed class ListChanges(RecordChanges changes, TimeProvider clock)
{
    /// <summary>The least time between two reads of a waiting request's page (a busy service's commits come far more often).</summary>
    public static readonly TimeSpan ReadAgainAtMostEvery = TimeSpan.FromSeconds(1);

    /// <summary>How often a waiting request reads its page again though no transition was committed (changes that are not transitions).</summary>
    public static readonly TimeSpan ReadAgainAnyway = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most lists waiting at once in one process, and for one caller party: each reads whole pages while it waits, so far
    /// fewer than records' follows (<see cref="RecordChanges.MaxWaiting"/>, whose places they also take). Beyond either, a
    /// request is answered at once (200, or 304 when unchanged): the client asks again after a pause.
    /// </summary>
    public const int MaxWaiting = 1_000, MaxWaitingPerParty = 20;

    /// <summary>The key <see cref="RecordChanges"/> wakes at every committed transition of any record of <paramref name="aggregateType"/>.</summary>
    public static string AnyOf(string aggregateType) => aggregateType + "|any";

    /// <summary>Longest If-None-Match header looked at; a longer one matches nothing (the page is sent).</summary>
    private const int MaxIfNoneMatch = 1_000;

    /// <summary>What an endpoint's summary says of the list's long-poll.</summary>
    public static string Summary(string what) =>
        $"Each answer carries an ETag (the page as the caller sees it); with If-None-Match of it the answer is 304 Not Modified while the {what} page is the same, " +
        $"and with waitSeconds (at most {RecordChanges.MaxWaitSeconds}; only with If-None-Match) as well it waits up to that long for the page to change: a client follows a list without polling.";

    /// <summary>The problems with <paramref name="waitSeconds"/>, each naming its parameter and rule.</summary>
    public static IReadOnlyList<(string Field, string Rule)> Check(HttpRequest request, int? waitSeconds)
    {
        var errors = new List<(string Field, string Rule)>();
        if (waitSeconds is < 0 or > RecordChanges.MaxWaitSeconds) errors.Add(("waitSeconds", $"must be between 0 and {RecordChanges.MaxWaitSeconds}"));
        else if (waitSeconds > 0 && request.Headers.IfNoneMatch.Count == 0)
            errors.Add(("waitSeconds", "needs an If-None-Match header: the ETag of the answer the client has (from an earlier read)"));
        return errors;
    }

    /// <summary>
    /// Answers a list read by <paramref name="read"/> (the page as the caller may see it): 200 with the page and its ETag, or
    /// 304 while it matches the client's If-None-Match — after waiting up to <paramref name="waitSeconds"/> for a change.
    /// Check <paramref name="waitSeconds"/> with <see cref="Check"/> first.
    /// </summary>
    /// <param name="db">The service's context: the head of its transition log is read from it while waiting.</param>
    /// <param name="aggregateType">The kind of record the list shows (its transitions wake the wait).</param>
    public Task<IResult> AnswerAsync<T>(HttpContext http, ServiceDbContext db, string aggregateType, int? waitSeconds,
        Func<CancellationToken, Task<T>> read, CancellationToken ct) where T : class =>
        AnswerCoreAsync(http, db, AnyOf(aggregateType), waitSeconds, ReadAgainAnyway, async c => (T?)await read(c),
            () => throw new System.Diagnostics.UnreachableException("a list's read gives a page, never null"), ct);

    /// <summary>
    /// The same for one record whose view gathers more than its own transitions (a credit with its presentations, amendments
    /// and the signature a step waits for), which a version cannot follow: 200 with the view and its ETag, or 304 while it
    /// matches If-None-Match — after waiting up to <paramref name="waitSeconds"/> for a change. Woken by the transitions of
    /// <paramref name="recordKey"/> (<see cref="RecordChanges.KeyOf"/>) committed in this process, its parts' among them
    /// (<see cref="ServiceDbContext"/> announces a part's transition to its whole too); another replica's at the next look
    /// at the log's head (every <see cref="RecordChanges.RecheckInterval"/>); a change announced without a transition
    /// (<see cref="ServiceDbContext"/>'s ChangedWithoutTransition: an account's ledger entries) when committed in this
    /// process; what is neither, or another replica's such change, by the read every <paramref name="readAgainAnyway"/> (a
    /// credit's pending signature: no transition until the step is taken; an account's chain balance).
    /// <paramref name="read"/> gives null when the caller may not see the record: <paramref name="notFound"/> is answered
    /// then, also by a wait that finds it gone.
    /// </summary>
    public Task<IResult> AnswerRecordAsync<T>(HttpContext http, ServiceDbContext db, string recordKey, int? waitSeconds, TimeSpan readAgainAnyway,
        Func<CancellationToken, Task<T?>> read, Func<IResult> notFound, CancellationToken ct) where T : class =>
        AnswerCoreAsync(http, db, recordKey, waitSeconds, readAgainAnyway, read, notFound, ct);

    /// <summary>
    /// The same for a view that no transition moves, read from what a key announces when it commits
    /// (<see cref="RecordChanges.Committed"/>): the chain index's events of a source (<see cref="Chain.ChainIndex.EventsKey"/>) for
    /// a bill of lading's title, or the titles a party takes part in. Woken only by <paramref name="wakeKey"/> committed in
    /// this process; read again every <paramref name="readAgainAnyway"/> (another replica's announcement, what the key does
    /// not cover). The transition log's head is not looked at: its transitions say nothing of such a view, and on a busy
    /// service it moves every moment (each move would read the view again, at most once a second). <paramref name="read"/>
    /// gives null when the caller may not see it: <paramref name="notFound"/> is answered then.
    /// </summary>
    public Task<IResult> AnswerAnnouncedAsync<T>(HttpContext http, string wakeKey, int? waitSeconds, TimeSpan readAgainAnyway,
        Func<CancellationToken, Task<T?>> read, Func<IResult> notFound, CancellationToken ct) where T : class =>
        AnswerCoreAsync(http, null, wakeKey, waitSeconds, readAgainAnyway, read, notFound, ct);

    /// <summary>
    /// <see cref="AnswerAnnouncedAsync{T}(HttpContext, string, int?, TimeSpan, Func{CancellationToken, Task{T}}, Func{IResult}, CancellationToken)"/>
    /// for a list: its read always gives a page.
    /// </summary>
    public Task<IResult> AnswerAnnouncedListAsync<T>(HttpContext http, string wakeKey, int? waitSeconds, TimeSpan readAgainAnyway,
        Func<CancellationToken, Task<T>> read, CancellationToken ct) where T : class =>
        AnswerCoreAsync(http, null, wakeKey, waitSeconds, readAgainAnyway, async c => (T?)await read(c),
            () => throw new System.Diagnostics.UnreachableException("a list's read gives a page, never null"), ct);

    /// <summary>What an endpoint's summary says of one record's long-poll by ETag (<see cref="AnswerRecordAsync"/>).</summary>
    public static string RecordSummary(string what) =>
        $"Its answer carries an ETag (the {what} as the caller sees it); with If-None-Match of it the answer is 304 Not Modified while the {what} is the same, " +
        $"and with waitSeconds (at most {RecordChanges.MaxWaitSeconds}; only with If-None-Match) as well it waits up to that long for the {what} to change: a client follows it without polling.";

    /// <param name="db">Where the transition log's head is looked at while waiting; null: not looked at (<see cref="AnswerAnnouncedAsync"/>).</param>
    private async Task<IResult> AnswerCoreAsync<T>(HttpContext http, ServiceDbContext? db, string wakeKey, int? waitSeconds, TimeSpan readAgainAnyway,
        Func<CancellationToken, Task<T?>> read, Func<IResult> notFound, CancellationToken ct) where T : class
    {
        var known = Known(http.Request);
        var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var party = http.User.Party();
        // A place among the waiting lists (fewer than records' follows: a waiting list reads whole pages), then among all long-polls.
        var waits = waitSeconds is > 0 && known is not null && TryEnter(party);
        try
        {
            using var lease = waits ? changes.Watch(wakeKey, party) : null;
            // The head first: a commit between it and the page's read is in the page, and moves the head for the next look.
            var head = lease is null || db is null ? 0 : await HeadAsync(db, ct);
            if (await read(ct) is not { } page) return notFound();
            var (body, etag) = Encode(page, json);
            if (lease is not null && etag == known)
            {
                var changed = await WaitAsync(lease, db, head, known, waitSeconds!.Value, readAgainAnyway, read, json, ct);
                if (changed is { Gone: true }) return notFound();
                if (changed is { } now) (body, etag) = (now.Body!, now.ETag!);
            }
            http.Response.Headers.ETag = etag;
            // A shared cache must not keep a party's list; a private one asks again each time (If-None-Match).
            http.Response.Headers.CacheControl = "private, no-cache";
            return etag == known ? Results.StatusCode(StatusCodes.Status304NotModified) : Results.Bytes(body, "application/json; charset=utf-8");
        }
        finally
        {
            if (waits) Leave(party);
        }
    }

    /// <summary>
    /// Waits until the caller's page differs from <paramref name="known"/> — its new body and ETag — or until the wait is
    /// over (null), or Gone when a record's read finds it out of the caller's sight. Unchanged, it ends only at its deadline,
    /// never earlier: when a waiting request answers tells nothing of commits to records the caller may not see.
    /// </summary>
    /// <param name="db">Where the transition log's head is read; null: not looked at (<see cref="AnswerAnnouncedAsync"/>).</param>
    private async Task<(byte[]? Body, string? ETag, bool Gone)?> WaitAsync<T>(RecordChanges.Lease lease, ServiceDbContext? db, long head, string known, int waitSeconds,
        TimeSpan readAgainAnyway, Func<CancellationToken, Task<T?>> read, JsonSerializerOptions json, CancellationToken ct) where T : class
    {
        var deadline = clock.GetUtcNow().AddSeconds(waitSeconds);
        var readAt = clock.GetUtcNow();
        var next = lease.Changed;
        for (var left = deadline - clock.GetUtcNow(); left > TimeSpan.Zero; left = deadline - clock.GetUtcNow())
        {
            // Until the next look at the head (if it is looked at), or the read due anyway if sooner (a record read every 3 s), or the deadline.
            var look = db is null ? readAgainAnyway : RecordChanges.RecheckInterval;
            var dueAnyway = readAgainAnyway - (clock.GetUtcNow() - readAt);
            if (dueAnyway < look) look = dueAnyway > TimeSpan.Zero ? dueAnyway : TimeSpan.Zero;
            if (left < look) look = left;
            using (var tick = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await Task.WhenAny(next, Task.Delay(look, clock, tick.Token));
                await tick.CancelAsync(); // the timer, when a commit woke it first
            }
            ct.ThrowIfCancellationRequested();
            // Woken by a commit here: read again even if the head has not moved (on PostgreSQL an id is taken at insert, so
            // a transaction committing after a later one leaves the head where it was).
            var waited = next;
            next = lease.NextChange(); // taken before looking, so a commit from now on wakes the next wait
            var woken = waited.IsCompleted;
            var now = db is null ? head : await HeadAsync(db, ct);
            if (!woken && now == head && clock.GetUtcNow() - readAt < readAgainAnyway) continue;
            var since = clock.GetUtcNow() - readAt;
            if (since < ReadAgainAtMostEvery)
            {
                // Not past the deadline: an answer before it would say that something committed.
                var pause = ReadAgainAtMostEvery - since;
                left = deadline - clock.GetUtcNow();
                await Task.Delay(pause < left ? pause : left > TimeSpan.Zero ? left : TimeSpan.Zero, clock, ct);
                if (db is not null) now = await HeadAsync(db, ct); // what committed during the pause is in the page read next
            }
            head = now;
            // (Another party's commit just before the deadline delays an unchanged answer by this one read: milliseconds.)
            // Gone from the caller's sight (a record it may no longer read): answered so at once.
            if (await read(ct) is not { } page) return (null, null, true);
            readAt = clock.GetUtcNow();
            var (body, etag) = Encode(page, json);
            if (etag != known) return (body, etag, false);
        }
        return null;
    }

    private readonly Dictionary<string, int> _waitingPerParty = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _waiting;

    /// <summary>Lists (and records answered by ETag) waiting now in this process (for tests and metrics).</summary>
    public int Waiting
    {
        get { lock (_gate) return _waiting; }
    }

    private bool TryEnter(string party)
    {
        lock (_gate)
        {
            var ofParty = _waitingPerParty.GetValueOrDefault(party);
            if (_waiting >= MaxWaiting || ofParty >= MaxWaitingPerParty) return false;
            _waiting++;
            _waitingPerParty[party] = ofParty + 1;
            return true;
        }
    }

    private void Leave(string party)
    {
        lock (_gate)
        {
            _waiting--;
            if (--_waitingPerParty[party] == 0) _waitingPerParty.Remove(party);
        }
    }

    /// <summary>The ETag the client has (If-None-Match: one entity tag, weak or strong; the first of a list); null when none.</summary>
    private static string? Known(HttpRequest request)
    {
        var header = request.Headers.IfNoneMatch.ToString();
        if (header.Length is 0 or > MaxIfNoneMatch) return null;
        var first = header.Split(',')[0].Trim();
        return first.StartsWith("W/", StringComparison.Ordinal) ? first[2..] : first;
    }

    /// <summary>The page as JSON (the service's HTTP options), and its entity tag: a SHA-256 digest of exactly those bytes (strong: same tag, same bytes).</summary>
    private static (byte[] Body, string ETag) Encode<T>(T page, JsonSerializerOptions json)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(page, json);
        return (body, $"\"{Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16))}\"");
    }

    /// <summary>The head of the service's transition log (its highest id; 0 when empty): moves at every committed transition.</summary>
    private static async Task<long> HeadAsync(ServiceDbContext db, CancellationToken ct) =>
        await db.Transitions.MaxAsync(t => (long?)t.Id, ct) ?? 0;
}

using Microsoft.Extensions.Time.Testing;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.UnitTests;

public sealed class RecordChangesTests
{
    [Fact]
    public void A_commit_wakes_the_requests_waiting_on_that_record_only_and_the_last_to_leave_forgets_it()
    {
        var changes = new RecordChanges();
        var (a, b) = (RecordChanges.KeyOf("document", Guid.NewGuid().ToString()), RecordChanges.KeyOf("duty-payment", "DP-1"));
        using var first = changes.Watch(a, "EXP-A")!;
        var second = changes.Watch(a, "EXP-B")!;
        using var other = changes.Watch(b, "EXP-A")!;
        Assert.Equal(3, changes.Waiting);

        changes.Committed([a]);
        Assert.True(first.Changed.IsCompletedSuccessfully);
        Assert.True(second.Changed.IsCompletedSuccessfully);
        Assert.False(other.Changed.IsCompleted);
        // A request that starts waiting after the commit, or waits again, waits for the next one.
        using var later = changes.Watch(a, "EXP-A")!;
        Assert.False(later.Changed.IsCompleted);
        var next = first.NextChange();
        Assert.False(next.IsCompleted);
        changes.Committed([a, a]);
        Assert.True(next.IsCompletedSuccessfully);

        second.Dispose();
        second.Dispose(); // leaving twice counts once
        Assert.Equal(3, changes.Waiting);
        Assert.Equal(0, changes.WaitingFor("EXP-B"));
    }

    [Fact]
    public void Requests_beyond_the_process_cap_are_not_kept_waiting_and_leaving_frees_their_places()
    {
        var changes = new RecordChanges(maxWaiting: 6, maxWaitingPerParty: 4);
        var leases = Enumerable.Range(0, 6).Select(i => changes.Watch(RecordChanges.KeyOf("declaration", i.ToString()), $"EXP-{i % 3}")!).ToList();
        Assert.Null(changes.Watch("declaration/x", "EXP-NEW"));
        foreach (var lease in leases) lease.Dispose();
        Assert.Equal(0, changes.Waiting);
        Assert.NotNull(changes.Watch("declaration/x", "EXP-NEW"));
    }

    [Fact]
    public void One_party_cannot_use_up_the_places_of_the_others()
    {
        var changes = new RecordChanges(maxWaiting: 10, maxWaitingPerParty: 3);
        var greedy = Enumerable.Range(0, 3).Select(i => changes.Watch($"document/{i}", "EXP-GREEDY")).ToList();
        Assert.All(greedy, Assert.NotNull);
        Assert.Null(changes.Watch("document/3", "EXP-GREEDY"));
        Assert.Equal(3, changes.WaitingFor("EXP-GREEDY"));
        // Another party still finds a place; the greedy one gets one back when one of its own leaves.
        Assert.NotNull(changes.Watch("document/3", "EXP-OTHER"));
        greedy[0]!.Dispose();
        Assert.NotNull(changes.Watch("document/4", "EXP-GREEDY"));
    }

    [Fact]
    public async Task Following_answers_at_once_when_the_client_is_behind_and_after_a_commit_when_it_is_not()
    {
        var changes = new RecordChanges();
        var version = 1;
        Task<string?> Read(CancellationToken _) => Task.FromResult<string?>($"v{version}");
        Task<int?> VersionOf(CancellationToken _) => Task.FromResult<int?>(version);

        // Behind: the record as it is, without waiting and without a place held.
        Assert.Equal("v1", await changes.FollowAsync("document/d", "EXP-A", new LongPoll(0, 30), Read, _ => version, VersionOf, TimeProvider.System, default));

        // Up to date: waits until a commit moves the version (a clock that does not move: the recheck never fires, only the wake-up answers).
        var following = changes.FollowAsync("document/d", "EXP-A", new LongPoll(1, 30), Read, _ => version, VersionOf, new FakeTimeProvider(), default);
        Assert.Equal(1, changes.Waiting);
        Assert.False(following.IsCompleted);
        changes.Committed(["document/other"]);
        Assert.False(following.IsCompleted);
        version = 2;
        changes.Committed(["document/d"]);
        Assert.Equal("v2", await following.WaitAsync(TimeSpan.FromSeconds(30))); // a lost wake-up fails here instead of hanging
        Assert.Equal(0, changes.Waiting);
    }

    [Fact]
    public async Task A_follower_that_stops_waiting_leaves_another_following_the_same_record_to_be_woken()
    {
        var changes = new RecordChanges();
        var version = 1;
        Task<string?> Read(CancellationToken _) => Task.FromResult<string?>($"v{version}");
        Task<int?> VersionOf(CancellationToken _) => Task.FromResult<int?>(version);
        using var stop = new CancellationTokenSource();
        var clock = new FakeTimeProvider(); // never advanced: the recheck never fires, so only the commit's wake-up can answer
        var patient = changes.FollowAsync("duty-payment/DP-1", "BNK-A", new LongPoll(1, 30), Read, _ => version, VersionOf, clock, CancellationToken.None);
        var impatient = changes.FollowAsync("duty-payment/DP-1", "BNK-A", new LongPoll(1, 30), Read, _ => version, VersionOf, clock, stop.Token);
        Assert.Equal(2, changes.Waiting);

        await stop.CancelAsync(); // its caller went away
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        Assert.Equal(1, changes.Waiting);
        version = 2;
        changes.Committed(["duty-payment/DP-1"]);
        Assert.Equal("v2", await patient.WaitAsync(TimeSpan.FromSeconds(30))); // a lost wake-up fails here instead of hanging
        Assert.Equal(0, changes.Waiting);
    }

    [Fact]
    public async Task A_follower_given_the_visible_version_reads_the_whole_record_once_when_the_wait_is_over_and_at_once_when_it_may_not_see_it()
    {
        var changes = new RecordChanges();
        var (version, visible, reads) = (1, true, 0);
        Task<string?> Read(CancellationToken _)
        {
            reads++;
            return Task.FromResult(visible ? $"v{version}" : null);
        }
        Task<int?> VersionOf(CancellationToken _) => Task.FromResult<int?>(version);
        Task<int?> VisibleVersionOf(CancellationToken _) => Task.FromResult(visible ? version : (int?)null);

        // Up to date: nothing read but the version until a commit moves it; then the record, once.
        var following = changes.FollowAsync("declaration/d", "EXP-A", new LongPoll(1, 30), Read, _ => version, VersionOf, new FakeTimeProvider(), default,
            visibleVersionOf: VisibleVersionOf);
        Assert.False(following.IsCompleted);
        Assert.Equal(0, reads);
        version = 2;
        changes.Committed(["declaration/d"]);
        Assert.Equal("v2", await following.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, reads);

        // Behind: the record at once.
        Assert.Equal("v2", await changes.FollowAsync("declaration/d", "EXP-A", new LongPoll(1, 30), Read, _ => version, VersionOf, new FakeTimeProvider(), default,
            visibleVersionOf: VisibleVersionOf).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, reads);

        // A caller that may not see it is answered at once (not found), not kept waiting, and the record is not read for it.
        visible = false;
        Assert.Null(await changes.FollowAsync("declaration/d", "EXP-B", new LongPoll(2, 30), Read, _ => version, VersionOf, new FakeTimeProvider(), default,
            visibleVersionOf: VisibleVersionOf).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, changes.Waiting);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task A_commit_between_the_first_read_and_the_wait_wakes_the_follower()
    {
        var changes = new RecordChanges();
        var version = 1;
        Task<string?> Read(CancellationToken _) => Task.FromResult<string?>($"v{version}");
        Task<int?> VersionOf(CancellationToken _) => Task.FromResult<int?>(version);
        // The record's transition commits right after the follower read its version, before it starts to wait.
        Task<int?> VisibleVersionOf(CancellationToken _)
        {
            var seen = version;
            version = 2;
            changes.Committed(["declaration/d"]);
            return Task.FromResult<int?>(seen);
        }

        // A clock that does not move: the recheck never fires, so only the commit's wake-up can answer.
        var following = changes.FollowAsync("declaration/d", "EXP-A", new LongPoll(1, 30), Read, _ => version, VersionOf, new FakeTimeProvider(), default,
            visibleVersionOf: VisibleVersionOf);
        Assert.Equal("v2", await following.WaitAsync(TimeSpan.FromSeconds(10))); // a missed wake-up fails here instead of hanging
    }

    [Fact]
    public void The_wait_is_checked_field_by_field()
    {
        Assert.Equal([("waitSeconds", "must be between 0 and 30")], LongPoll.Of(1, 31, "document").Errors);
        Assert.Equal([("afterVersion", "must not be negative")], LongPoll.Of(-1, 5, "document").Errors);
        Assert.Equal([("afterVersion", "is needed with waitSeconds: the version of the duty payment the client has")], LongPoll.Of(null, 5, "duty payment").Errors);
        Assert.Empty(LongPoll.Of(null, null, "document").Errors);
        Assert.Equal(new LongPoll(3, 0), LongPoll.Of(3, null, "document").Wait);
    }
}

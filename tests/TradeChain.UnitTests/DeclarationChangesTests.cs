using TradeChain.Customs.Application;

namespace TradeChain.UnitTests;

public sealed class DeclarationChangesTests
{
    [Fact]
    public void A_commit_wakes_the_requests_waiting_on_that_declaration_only_and_the_last_to_leave_forgets_it()
    {
        var changes = new DeclarationChanges();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        using var first = changes.Watch(a)!;
        var second = changes.Watch(a)!;
        using var other = changes.Watch(b)!;
        Assert.Equal(3, changes.Waiting);

        changes.Committed([a]);
        Assert.True(first.Changed.IsCompletedSuccessfully);
        Assert.True(second.Changed.IsCompletedSuccessfully);
        Assert.False(other.Changed.IsCompleted);
        // A request that starts waiting after the commit waits for the next one.
        using var later = changes.Watch(a)!;
        Assert.False(later.Changed.IsCompleted);

        second.Dispose();
        second.Dispose(); // leaving twice counts once
        Assert.Equal(3, changes.Waiting);
    }

    [Fact]
    public void Requests_beyond_the_cap_are_not_kept_waiting_and_leaving_frees_their_places()
    {
        var changes = new DeclarationChanges();
        var leases = Enumerable.Range(0, DeclarationChanges.MaxWaiting).Select(_ => changes.Watch(Guid.NewGuid())!).ToList();
        Assert.Null(changes.Watch(Guid.NewGuid()));
        foreach (var lease in leases) lease.Dispose();
        Assert.Equal(0, changes.Waiting);
        Assert.NotNull(changes.Watch(Guid.NewGuid()));
    }
}

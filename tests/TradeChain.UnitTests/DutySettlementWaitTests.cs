using Microsoft.Extensions.Options;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.UnitTests;

/// <summary>
/// Requests waiting for a queued settlement's record: waiting places are capped (Payments:SettlementMaxWaiters). (The wait
/// itself is RecordChanges', RecordChangesTests: one request giving up its wait leaves the others theirs.)
/// </summary>
public sealed class DutySettlementWaitTests
{
    private static DutySettlementQueue Queue(int maxWaiters = 1000) =>
        new(null!, Options.Create(new PaymentsOptions { SettlementMaxWaiters = maxWaiters })); // the wallets serve only Batches

    [Fact]
    public void Waiting_places_are_capped_and_given_back()
    {
        var queue = Queue(maxWaiters: 2);
        Assert.True(queue.TryJoinWaiting());
        Assert.True(queue.TryJoinWaiting());
        Assert.False(queue.TryJoinWaiting());
        queue.LeaveWaiting();
        Assert.True(queue.TryJoinWaiting());
    }
}

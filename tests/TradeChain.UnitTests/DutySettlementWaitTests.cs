using Microsoft.Extensions.Options;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.UnitTests;

/// <summary>Requests waiting for a queued settlement's record: one giving up its wait leaves the others theirs; waiting places are capped.</summary>
public sealed class DutySettlementWaitTests
{
    private static DutySettlementQueue Queue(int maxWaiters = 1000) =>
        new(null!, Options.Create(new PaymentsOptions { SettlementMaxWaiters = maxWaiters })); // the wallets serve only Batches

    [Fact]
    public async Task A_request_that_stops_waiting_leaves_another_waiting_on_the_same_payment_to_hear_its_outcome()
    {
        var queue = Queue();
        using var stop = new CancellationTokenSource();
        var patient = queue.WaitAsync("DP-1", TimeSpan.FromMinutes(5), CancellationToken.None);
        var impatient = queue.WaitAsync("DP-1", TimeSpan.FromMinutes(5), stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        queue.Recorded("DP-1", "ERC20InsufficientBalance");
        Assert.Equal("ERC20InsufficientBalance", await patient);
    }

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

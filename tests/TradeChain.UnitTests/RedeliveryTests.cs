using System.Diagnostics.Metrics;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.UnitTests;

/// <summary>
/// The redelivery schedule's settings and the redelivery filter's place in the pipe (the wait queues themselves need
/// RabbitMQ: tests/TradeChain.IntegrationTests/RedeliveryTests.cs).
/// </summary>
public sealed class RedeliveryTests
{
    [Fact]
    public void The_default_schedule_retries_for_seconds_and_redelivers_after_minutes()
    {
        var schedule = new RetrySchedule();
        Assert.Equal([0.2, 0.5, 1, 2, 4, 8, 10, 15], schedule.RetryIntervals.Select(t => t.TotalSeconds));
        Assert.Equal([30, 120, 300, 900], schedule.RedeliveryDelays.Select(t => t.TotalSeconds));
        Assert.Equal(["tradechain-redelivery-30s", "tradechain-redelivery-2m", "tradechain-redelivery-5m", "tradechain-redelivery-15m"],
            schedule.RedeliveryDelays.Select(RedeliveryTopology.WaitQueue));
    }

    [Theory]
    [InlineData("1500ms", "1500ms")]
    [InlineData("90s", "90s")]
    [InlineData("120s", "2m")]
    [InlineData(" 1h ", "1h")]
    public void A_duration_is_read_and_named_by_its_shortest_exact_spelling(string setting, string name) =>
        Assert.Equal(name, Durations.Format(Assert.Single(Durations.Parse(setting, "Messaging:Redeliveries"))));

    [Theory]
    [InlineData("30")]
    [InlineData("0s")]
    [InlineData("-5s")]
    [InlineData("2 days")]
    [InlineData("25h")]
    public void A_wrong_duration_stops_the_start_naming_the_setting(string setting)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => new RetrySchedule { Redeliveries = setting }.RedeliveryDelays);
        Assert.StartsWith("Messaging:Redeliveries:", refused.Message);
    }

    [Fact]
    public void No_redeliveries_is_a_schedule_too() => Assert.Empty(new RetrySchedule { Redeliveries = "" }.RedeliveryDelays);

    [Fact]
    public void The_queue_to_return_to_is_the_last_segment_of_the_endpoint_address() =>
        Assert.Equal("payments-duty-payment-requested", Redelivery.QueueOf(new Uri("rabbitmq://127.0.0.1:5672/test-1/payments-duty-payment-requested")));

    // Not MetricsTests' consumer: metrics are process-wide and the test classes run in parallel, so each counts its own message type.
    public sealed record Undeliverable(string Reason);

    public sealed class NeverHandledConsumer(PaymentsDbContext db, ILogger<NeverHandledConsumer> logger) : IdempotentConsumer<Undeliverable>(db, logger)
    {
        protected override Task HandleAsync(Undeliverable message, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(message.Reason);
    }

    [Fact]
    public async Task A_message_that_fails_its_retries_and_every_redelivery_is_counted_dead_lettered_once_with_its_queue()
    {
        var deadLettered = new List<Dictionary<string, object?>>();
        var errors = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == TradeChainMetrics.MeterName && i.Name is "tradechain.messages.dead_lettered" or "tradechain.consumer.errors") l.EnableMeasurementEvents(i);
            },
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) =>
        {
            var labels = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if ((string?)labels["message_type"] != nameof(Undeliverable)) return; // another test's
            lock (deadLettered)
            {
                if (i.Name == "tradechain.consumer.errors") errors++;
                else deadLettered.Add(labels);
            }
        });
        listener.Start();
        // No redelivery left (as after the last one): the failure stands after the retries.
        await using var payments = await PaymentsDatabase.CreateAsync(PaymentsDatabase.OnServicePipe(x => x.AddConsumer<NeverHandledConsumer>()));
        var harness = payments.Provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        await harness.Bus.Publish(new Undeliverable("no such payment"));

        Assert.True(await harness.Published.Any<Fault<Undeliverable>>(), "the consumer faulted");
        // The fault is published from inside the retries; the failure reaches the redelivery filter just after.
        for (var deadline = DateTime.UtcNow.AddSeconds(30); deadLettered.Count == 0 && DateTime.UtcNow < deadline;) await Task.Delay(50);
        lock (deadLettered)
        {
            Assert.Equal(3, errors); // the first try and two retries, all inside the one delivery the redelivery filter sees fail
            var counted = Assert.Single(deadLettered);
            Assert.Equal("never-handled", counted["queue"]);
            Assert.Equal(nameof(Undeliverable), counted["message_type"]);
        }
    }
}

using System.Diagnostics.Metrics;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.UnitTests;

/// <summary>
/// The two metrics a clean golden path does not show (the end-to-end TracingTests see the others exported): consumer
/// errors and the outbox depth, read in-process with a MeterListener.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private PaymentsDatabase _payments = null!;
    private ServiceProvider _provider = null!;

    public async Task InitializeAsync()
    {
        _payments = await PaymentsDatabase.CreateAsync(x => x.AddConsumer<FailingConsumer>());
        _provider = _payments.Provider;
    }

    public async Task DisposeAsync() => await _payments.DisposeAsync();

    public sealed record Unprocessable(string Reason);

    public sealed class FailingConsumer(PaymentsDbContext db, ILogger<FailingConsumer> logger) : IdempotentConsumer<Unprocessable>(db, logger)
    {
        protected override Task HandleAsync(Unprocessable message, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(message.Reason);
    }

    [Fact]
    public async Task A_failing_consumer_counts_a_consumer_error_with_its_consumer_and_message_type()
    {
        var errors = new List<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = Listen<long>("tradechain.consumer.errors", (value, tags) => { lock (errors) errors.Add((value, tags)); });
        var harness = _provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        await harness.Bus.Publish(new Unprocessable("no such payment"));

        Assert.True(await harness.Published.Any<Fault<Unprocessable>>(), "the consumer faulted");
        lock (errors)
        {
            var error = Assert.Single(errors, e => (string?)e.Tags["consumer"] == nameof(FailingConsumer));
            Assert.Equal(1, error.Value);
            Assert.Equal(nameof(Unprocessable), error.Tags["message_type"]);
        }
    }

    [Fact]
    public async Task The_outbox_depth_gauge_reports_the_unsent_rows()
    {
        await using (var scope = _provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            foreach (var reference in new[] { "DUTY-1", "DUTY-2", "DUTY-3" })
                db.Outbox.Add(new OutboxMessage { MessageId = Guid.NewGuid(), MessageType = nameof(TradeChain.Messages.DutyPaymentWithdrawn), Payload = "{}" });
            await db.SaveChangesAsync();
            (await db.Outbox.OrderBy(m => m.Id).FirstAsync()).SentAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await db.SaveChangesAsync();
        }
        var depths = new List<long>();
        using var listener = Listen<long>(TradeChainMetrics.OutboxDepth, (value, _) => depths.Add(value));
        using var gauge = new OutboxDepthGauge(_provider.GetRequiredService<IServiceScopeFactory>(), NullLogger<OutboxDepthGauge>.Instance);
        await gauge.StartAsync(CancellationToken.None);

        listener.RecordObservableInstruments();

        Assert.Equal([2L], depths);
    }

    [Fact]
    public async Task Each_health_checks_state_is_a_gauge_so_a_stalled_chain_shows_as_degraded()
    {
        var publisher = new HealthGaugePublisher();
        await publisher.PublishAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport(new Dictionary<string, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReportEntry>
        {
            ["chain"] = new(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, "the chain node does not answer", TimeSpan.Zero, null, null),
            ["database"] = new(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, null, TimeSpan.Zero, null, null),
        }, TimeSpan.Zero), CancellationToken.None);

        var states = new Dictionary<string, double>();
        using var listener = Listen<double>(TradeChainMetrics.Health, (value, tags) => states[(string)tags["check"]!] = value);
        listener.RecordObservableInstruments();

        Assert.Equal(0.5, states["chain"]);
        Assert.Equal(1, states["database"]);
    }

    private static MeterListener Listen<T>(string instrument, Action<T, Dictionary<string, object?>> measured) where T : struct
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == TradeChainMetrics.MeterName && i.Name == instrument) l.EnableMeasurementEvents(i);
            },
        };
        listener.SetMeasurementEventCallback<T>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags) copy[tag.Key] = tag.Value;
            measured(value, copy);
        });
        listener.Start();
        return listener;
    }
}

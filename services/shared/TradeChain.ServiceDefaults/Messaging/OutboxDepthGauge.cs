using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// <c>tradechain.outbox.depth</c>: the number of unsent outbox rows, counted in the database whenever the metric is
/// collected — so every process reports it, also one whose dispatch is off, and a stuck message stays visible.
/// </summary>
public sealed class OutboxDepthGauge(IServiceScopeFactory scopes, ILogger<OutboxDepthGauge> logger) : IHostedService, IDisposable
{
    private Meter? _meter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _meter = new Meter(TradeChainMetrics.MeterName);
        _meter.CreateObservableGauge(TradeChainMetrics.OutboxDepth, Observe, "{message}", "Outbox messages not yet published");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _meter?.Dispose();
        _meter = null;
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ServiceDbContext>();
            return [new Measurement<long>(db.Outbox.LongCount(m => m.SentAtUnixMs == null))];
        }
        catch (Exception e)
        {
            // The database is unreachable or not created yet: report nothing rather than a wrong zero.
            logger.LogDebug(e, "Could not count the outbox for {Metric}", TradeChainMetrics.OutboxDepth);
            return [];
        }
    }
}

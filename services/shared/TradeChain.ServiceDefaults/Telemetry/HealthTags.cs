using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TradeChain.ServiceDefaults.Telemetry;

/// <summary>
/// What health means here. Readiness (/health/ready, tag "ready"): the service can serve its API — its database.
/// Dependencies (/health/dependencies, tag "dependencies"): the chain and the broker, reported as degraded when away,
/// never taking the service out of rotation, since it keeps working without them (the outbox and the anchoring queue wait).
/// Every check has a short timeout of its own, so a stalled dependency cannot hang a probe.
/// </summary>
public static class HealthTags
{
    public const string Ready = "ready";

    public const string Dependencies = "dependencies";

    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Publishes each health check's state as the gauge <c>tradechain.health</c> (1 healthy, 0.5 degraded, 0 unhealthy,
/// tag <c>check</c>), so an operator sees a stalled chain or broker on the dashboard without probing.
/// </summary>
public sealed class HealthGaugePublisher : IHealthCheckPublisher
{
    private static readonly ConcurrentDictionary<string, double> States = new();

    static HealthGaugePublisher()
    {
        TradeChainMetrics.ObserveHealth(() => States.Select(s => new Measurement<double>(s.Value, new KeyValuePair<string, object?>("check", s.Key))));
    }

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        foreach (var (name, entry) in report.Entries)
            States[name] = entry.Status switch { HealthStatus.Healthy => 1, HealthStatus.Degraded => 0.5, _ => 0 };
        return Task.CompletedTask;
    }
}

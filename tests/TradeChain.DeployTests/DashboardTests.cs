using System.Text.Json;

namespace TradeChain.DeployTests;

/// <summary>The Grafana dashboard charts every TradeChain metric, and deploy/README.md lists the same names for the services to emit.</summary>
public sealed class DashboardTests
{
    public static readonly string[] Metrics =
    [
        "tradechain_declarations_total",
        "tradechain_anchor_lag_seconds",
        "tradechain_anchor_batch_size",
        "tradechain_gas_used_total",
        "tradechain_outbox_depth",
        "tradechain_consumer_errors_total",
        "tradechain_health",
        "tradechain_messages_redelivered_total",
        "tradechain_messages_dead_lettered_total",
    ];

    [Fact]
    public void Every_metric_has_a_panel_and_is_listed_in_the_deploy_README()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("deploy", "grafana", "tradechain.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
        var readme = File.ReadAllText(Repo.PathOf("deploy", "README.md"));

        Assert.All(Metrics, metric =>
        {
            Assert.Contains(expressions, e => e.Contains(metric, StringComparison.Ordinal));
            Assert.Contains($"`{metric}", readme);
        });
        Assert.Equal(8, dashboard.RootElement.GetProperty("panels").GetArrayLength());
    }
}

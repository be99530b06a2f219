using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using TradeChain.Cli;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The golden path with the three services exporting OTLP/HTTP (protobuf) to an in-process stand-in for the collector:
/// the lodging of the declaration is one trace from the customs HTTP request over the bus through documents and payments
/// to the anchoring transaction on the chain, and the services export the metrics the Grafana dashboard charts.
/// </summary>
public sealed partial class TracingTests(ITestOutputHelper output)
{
    private const int Server = 2, Consumer = 5;
    private static readonly TimeSpan ExportWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_golden_path_is_one_trace_from_http_over_the_bus_to_the_chain_and_the_dashboard_metrics_are_exported()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var system = await TradeChainSystem.StartAsync((_, service) =>
        {
            service.SetSetting("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.Endpoint);
            service.SetSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            service.SetSetting("OTEL_BSP_SCHEDULE_DELAY", "200");
            service.SetSetting("OTEL_METRIC_EXPORT_INTERVAL", "500");
        });
        var log = new StringWriter();
        var result = await RunGoldenPath(system, log);

        // The trace that the exporter's POST /declarations started in customs.
        string? traceId = null;
        IReadOnlyList<ReceivedSpan> trace = [];
        var complete = await PollAsync(() =>
        {
            var lodging = receiver.Spans.FirstOrDefault(s => s.Service == "tradechain-customs" && s.Kind == Server
                && s.Attributes.GetValueOrDefault("http.request.method") == "POST" && s.Attributes.GetValueOrDefault("url.path") == "/declarations");
            if (lodging is null) return false;
            traceId = lodging.TraceId;
            trace = receiver.Spans.Where(s => s.TraceId == lodging.TraceId).ToList();
            return Missing(trace).Count == 0;
        });
        output.WriteLine($"{receiver.Requests} OTLP requests, {receiver.Spans.Count} spans; the lodging's trace {traceId}:");
        foreach (var span in trace) output.WriteLine("  " + span);
        Assert.True(traceId is not null, $"no server span for POST /declarations from customs among {receiver.Spans.Count} spans");
        Assert.True(complete, $"trace {traceId} lacks: {string.Join("; ", Missing(trace))}");

        // One tree: every span's parent is in the trace, except the HTTP request that began it.
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        var roots = trace.Where(s => !ids.Contains(s.ParentSpanId)).ToList();
        var root = Assert.Single(roots);
        Assert.Equal(Server, root.Kind);
        Assert.Equal("tradechain-customs", root.Service);

        // The anchoring transaction of the declaration's first transition sits below the request: the chain.tx span's
        // ancestors lead through the anchoring span back to the root.
        var byId = trace.ToDictionary(s => s.SpanId);
        var chainTx = trace.First(s => s.Name.StartsWith("chain.tx", StringComparison.Ordinal) && s.Service == "tradechain-customs");
        var ancestors = new List<ReceivedSpan>();
        for (var s = chainTx; byId.TryGetValue(s.ParentSpanId, out var parent); s = parent) ancestors.Add(parent);
        Assert.Contains(ancestors, s => s.Name == "anchor transitions");
        Assert.Equal(root, ancestors[^1]);
        Assert.False(string.IsNullOrEmpty(chainTx.Attributes.GetValueOrDefault("chain.tx_hash")));
        Assert.Contains(result.History, t => t!["anchor"]!["transactionHash"]!.GetValue<string>() == chainTx.Attributes["chain.tx_hash"]);

        // Metrics: every name the dashboard charts, as Prometheus shows OTLP metrics (see PrometheusName), except consumer
        // errors, redeliveries and dead letters, which a clean run has none of (the unit tests record them).
        var charted = DashboardMetricNames();
        string[] failuresOnly = ["tradechain_consumer_errors_total", "tradechain_messages_redelivered_total", "tradechain_messages_dead_lettered_total"];
        var expected = charted.Except(failuresOnly).ToList();
        Assert.Equal(9, charted.Count);
        var metricsExported = await PollAsync(() => expected.All(n => receiver.Metrics.Any(m => PrometheusName(m) == n))
            && DeclarationStatuses(receiver).IsSupersetOf(["Registered", "Assessed", "Paid", "Released"]));
        var exported = receiver.Metrics.Where(m => m.Name.StartsWith("tradechain.", StringComparison.Ordinal))
            .Select(m => $"{m.Service} {m.Name} [{m.Unit}] {m.Type} -> {PrometheusName(m)}").Distinct().Order().ToList();
        foreach (var line in exported) output.WriteLine(line);
        Assert.True(metricsExported, $"expected {string.Join(", ", expected)} with the four golden-path statuses; exported:\n{string.Join("\n", exported)}");
        foreach (var service in new[] { "tradechain-customs", "tradechain-documents", "tradechain-payments" })
            Assert.Contains(receiver.Metrics, m => m.Service == service && PrometheusName(m) == "tradechain_outbox_depth" && m.Type == "gauge");
        Assert.Contains(receiver.Metrics, m => PrometheusName(m) == "tradechain_anchor_lag_seconds" && m.Type == "histogram");
        Assert.Contains(receiver.Metrics, m => PrometheusName(m) == "tradechain_anchor_batch_size" && m.Type == "histogram");
    }

    /// <summary>What the trace still lacks of HTTP → bus → the other services → the chain.</summary>
    private static List<string> Missing(IReadOnlyList<ReceivedSpan> trace)
    {
        var missing = new List<string>();
        foreach (var service in new[] { "tradechain-customs", "tradechain-documents", "tradechain-payments" })
        {
            if (!trace.Any(s => s.Service == service && s.Kind == Consumer && s.Scope == "MassTransit"))
                missing.Add($"a MassTransit consume span in {service}");
        }
        if (!trace.Any(s => s.Service == "tradechain-customs" && s.Scope == "TradeChain.Outbox"))
            missing.Add("the outbox publish span in customs");
        if (!trace.Any(s => s.Service == "tradechain-customs" && s.Name.StartsWith("chain.tx", StringComparison.Ordinal)))
            missing.Add("a chain.tx span in customs");
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        var orphans = trace.Count(s => !ids.Contains(s.ParentSpanId));
        if (orphans != 1) missing.Add($"a single root (there are {orphans} spans whose parent is not in the trace)");
        return missing;
    }

    private static HashSet<string> DeclarationStatuses(OtlpReceiver receiver) =>
        receiver.Metrics.Where(m => m.Service == "tradechain-customs" && m.Name == "tradechain.declarations")
            .SelectMany(m => m.Points).Select(p => p.GetValueOrDefault("status") ?? "").ToHashSet();

    /// <summary>
    /// The name the collector's Prometheus exporter gives an OTLP metric, by OpenTelemetry's Prometheus compatibility
    /// rules as far as our metrics need them: dots become underscores, a unit in braces adds nothing, "s" adds
    /// "_seconds" (other units their own name), and a monotonic sum ends in "_total".
    /// </summary>
    public static string PrometheusName(ReceivedMetric metric)
    {
        var name = InvalidPrometheusCharacters().Replace(metric.Name, "_");
        var unit = metric.Unit switch
        {
            "" => "",
            _ when metric.Unit.StartsWith('{') => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => metric.Type == "gauge" ? "ratio" : "",
            _ => InvalidPrometheusCharacters().Replace(metric.Unit, "_"),
        };
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal)) name += "_" + unit;
        if (metric.Type == "sum" && metric.Monotonic && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    /// <summary>The metric names deploy/grafana/tradechain.json queries (without a histogram's _bucket/_sum/_count).</summary>
    private static List<string> DashboardMetricNames()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "deploy", "grafana", "tradechain.json")));
        return dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .SelectMany(e => DashboardMetric().Matches(e).Select(m => m.Groups[1].Value))
            .Distinct().ToList();
    }

    private static async Task<bool> PollAsync(Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ExportWait)
        {
            if (done()) return true;
            await Task.Delay(250);
        }
        return done();
    }

    [GeneratedRegex("[^a-zA-Z0-9_:]")]
    private static partial Regex InvalidPrometheusCharacters();

    [GeneratedRegex(@"\b(tradechain_[a-z_]+?)(?:_bucket|_sum|_count)?\{")]
    private static partial Regex DashboardMetric();
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TradeChain.Ledger;

/// <summary>The ledger's spans (one per chain transaction) and metrics.</summary>
public static class LedgerTelemetry
{
    public const string Name = "TradeChain.Ledger";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    // Names and units give the Prometheus names deploy/grafana/tradechain.json charts (see TradeChainMetrics in ServiceDefaults):
    // tradechain_gas_used_total, tradechain_anchor_batch_size, tradechain_anchor_lag_seconds.

    /// <summary>Gas used by every mined transaction a service sends (label function).</summary>
    public static readonly Counter<long> GasUsed = Meter.CreateCounter<long>("tradechain.gas_used", "{gas}", "Gas used by the service's mined transactions");

    /// <summary>Transitions per anchoring transaction.</summary>
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("tradechain.anchor.batch_size", "{transition}",
        "Transitions anchored per transaction", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    /// <summary>Seconds from a transition being recorded to its anchoring transaction being mined.</summary>
    public static readonly Histogram<double> AnchorLag = Meter.CreateHistogram<double>("tradechain.anchor.lag", "s",
        "Seconds from a transition being recorded to being anchored on chain",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600] });
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TradeChain.Ledger;

/// <summary>The ledger's spans (one per chain transaction) and metrics.</summary>
public static class LedgerTelemetry
{
    public const string Name = "TradeChain.Ledger";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> GasUsed = Meter.CreateCounter<long>("tradechain.chain.gas_used", "gas");

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("tradechain.anchor.batch_size", "transitions");

    public static readonly Histogram<double> AnchorLag = Meter.CreateHistogram<double>("tradechain.anchor.lag", "ms");
}

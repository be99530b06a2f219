using System.Diagnostics;
using TradeChain.Testing;

namespace TradeChain.Bench;

public sealed record AnchoringCapacityResult(int BatchSize, int Transitions, int Transactions, double Seconds, double TransitionsPerSecond);

/// <summary>
/// How fast the anchoring worker alone gets a backlog of transitions on chain, per batch size: the transition log on
/// SQLite and the real worker on a real anvil, with no HTTP or bus in the way.
/// </summary>
public sealed class AnchoringCapacityRun(BenchOptions options, TextWriter log)
{
    public async Task<IReadOnlyList<AnchoringCapacityResult>> RunAsync()
    {
        await using var chain = await AnvilNode.StartAsync();
        var dir = TestEnvironment.NewTempDirectory("bench-anchoring");
        var results = new List<AnchoringCapacityResult>();
        foreach (var batchSize in options.BatchSizes)
        {
            await using var rig = new AnchoringRig(chain, Path.Combine(dir, $"batch-{batchSize}.db"), batchSize);
            for (var recorded = 0; recorded < options.AnchoringTransitions; recorded += 10) await rig.RecordShipmentAsync(10);
            var transitions = options.AnchoringTransitions / 10 * 10;
            log.WriteLine($"  anchoring capacity: {transitions} transitions, batch size {batchSize}");
            var clock = Stopwatch.StartNew();
            var transactions = await rig.AnchorAllAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            results.Add(new AnchoringCapacityResult(batchSize, transitions, transactions, seconds, transitions / seconds));
        }
        return results;
    }
}

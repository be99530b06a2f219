using TradeChain.Bench;
using Xunit.Abstractions;

namespace TradeChain.IntegrationTests;

/// <summary>The benchmark's quick mode as a smoke test: the harness works and every anchored transition verifies. It says nothing about speed.</summary>
public sealed class BenchSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_quick_benchmark_runs_and_every_anchored_transition_verifies()
    {
        var log = new StringWriter();
        var report = await BenchRunner.RunAsync(BenchOptions.Quick, log);
        output.WriteLine(log.ToString());

        Assert.True(report.EveryAnchoredTransitionVerifies, log.ToString());
        Assert.Equal(BenchOptions.Quick.BatchSizes, report.EndToEnd.Select(r => r.BatchSize));
        foreach (var run in report.EndToEnd)
        {
            // Per declaration: 2 documents × (Submitted, Issued), 4 customs steps to release, 3 payment steps (Requested,
            // Settling, Settled) — none lost, none twice.
            Assert.Equal(11 * run.Declarations, run.Transitions);
            Assert.True(run.GasPerTransition > 0);
        }
        Assert.Equal(report.EndToEnd[0].Transitions, report.EndToEnd[0].AnchoringTransactions); // batch size 1: a transaction each
        Assert.True(report.EndToEnd[^1].AnchoringTransactions < report.EndToEnd[^1].Transitions);
        Assert.Equal(1, report.AnchoringCapacity[^1].Transactions); // 100 transitions fit one 256-batch
        Assert.Equal(BenchOptions.Quick.Documents, report.Documents.Documents);
    }
}

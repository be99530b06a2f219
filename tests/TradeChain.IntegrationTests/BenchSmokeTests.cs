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
        // A drain long enough for a loaded CI machine: it ends as soon as everything is released and anchored.
        var report = await BenchRunner.RunAsync(BenchOptions.Quick with { DrainSeconds = 240 }, log);
        output.WriteLine(log.ToString());

        Assert.True(report.EveryAnchoredTransitionVerifies, log.ToString());
        Assert.True(report.NoDeclarationFailed, log.ToString());
        Assert.Equal(BenchOptions.Quick.BatchSizes, report.EndToEnd.Select(r => r.BatchSize));
        foreach (var run in report.EndToEnd)
        {
            // One open-loop stage at the quick mode's fixed rate, measured: every process's CPU read, the services' RPC calls
            // counted by the proxy, and at least the declarations' own chain transactions (two documents, the duty transfer) mined.
            var stage = Assert.Single(run.Stages);
            Assert.Equal(run.Declarations, stage.Outcome.Offered);
            Assert.Equal(stage.Outcome.Offered, stage.Outcome.Released);
            Assert.All(new[] { "customs", "documents", "payments", "rabbitmq", "anvil" }, p => Assert.True(stage.CpuMsPerDeclaration[p] > 0, p));
            Assert.True(stage.RpcCallsPerDeclaration.GetValueOrDefault("eth_sendRawTransaction") > 0, string.Join(", ", stage.RpcCallsPerDeclaration));
            Assert.True(stage.ChainTransactionsPerDeclaration >= 1);
            Assert.Equal(11 * stage.Outcome.Offered, stage.Transitions);
            // Per declaration: 2 documents × (Submitted, Issued), 4 customs steps to release, 3 payment steps (Requested,
            // Settling, Settled) — none lost, none twice.
            Assert.Equal(11 * run.Declarations, run.Transitions);
            Assert.True(run.GasPerTransition > 0);
        }
        Assert.Equal(report.EndToEnd[0].Transitions, report.EndToEnd[0].AnchoringTransactions); // batch size 1: a transaction each
        Assert.True(report.EndToEnd[^1].AnchoringTransactions < report.EndToEnd[^1].Transitions);
        Assert.Equal(1, report.AnchoringCapacity[^1].Transactions); // 100 transitions fit one 256-batch
        Assert.Equal(BenchOptions.Quick.Documents, report.Documents.Documents);
        // TradeChain's own verifier found every document valid (it throws otherwise) asking the chain only for its head
        // (one read each; the running indexer's polls may add one): issuance and every proof hash came from the index.
        Assert.Equal(BenchOptions.Quick.Documents, report.Documents.Service.Documents);
        var calls = report.Documents.Service.RpcCallsByMethod.Where(c => c.Value > 0).ToDictionary();
        Assert.Equal(["eth_blockNumber"], calls.Keys);
        Assert.InRange(calls["eth_blockNumber"], 0.5, 1.5);
    }

    [Fact]
    public async Task The_ledger_benchmark_runs_on_both_databases_and_each_kept_balance_is_its_entries_sum()
    {
        var log = new StringWriter();
        // Throws when a kept balance differs from its entries' sum after any step (LedgerRun.CheckAsync).
        Assert.Equal(0, await LedgerRun.RunAsync(["--ledger", "--history", "2000"], log));
        output.WriteLine(log.ToString());
        var rows = log.ToString().Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(r => r.Length > 1).ToList();
        foreach (var database in new[] { "sqlite", "postgres" })
        {
            // database, history, balance kept, sum of entries, booking, latest page, every entry: each a time, in µs.
            var sizes = rows.Where(r => r[0] == database && r.Length == 7).ToList();
            Assert.Equal(["0", "1,000", "2,000"], sizes.Select(r => r[1]));
            Assert.All(sizes, r => Assert.All(r[2..], time => Assert.True(double.Parse(time, System.Globalization.CultureInfo.InvariantCulture) > 0, string.Join(' ', r))));
            Assert.Equal(2, rows.Count(r => r[0] == database && r.Contains("alternated:")));
        }
    }
}

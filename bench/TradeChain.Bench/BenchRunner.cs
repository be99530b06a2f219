using System.Globalization;

namespace TradeChain.Bench;

public sealed record BenchReport(
    BenchOptions Options,
    IReadOnlyList<EndToEndResult> EndToEnd,
    IReadOnlyList<AnchoringCapacityResult> AnchoringCapacity,
    DocumentResult Documents)
{
    public bool EveryAnchoredTransitionVerifies => EndToEnd.All(r => r.VerificationFailures.Count == 0 && r.VerifiedTransitions == r.Transitions);
}

public static class BenchRunner
{
    public static async Task<BenchReport> RunAsync(BenchOptions options, TextWriter log)
    {
        log.WriteLine($"TradeChain benchmark on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var endToEnd = new List<EndToEndResult>();
        foreach (var batchSize in options.BatchSizes) endToEnd.Add(await new EndToEndRun(options, batchSize, log).RunAsync());
        var capacity = await new AnchoringCapacityRun(options, log).RunAsync();
        var documents = await new DocumentRun(options, log).RunAsync();
        var report = new BenchReport(options, endToEnd, capacity, documents);
        Print(report, log);
        return report;
    }

    public static void Print(BenchReport r, TextWriter o)
    {
        string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
        o.WriteLine();
        o.WriteLine($"End to end: {r.Options.Declarations} declarations through the golden path, {r.Options.Concurrency} concurrent");
        o.WriteLine("| anchoring batch | decl/s | transitions | anchored/s | release p50/p95/p99 ms | anchor lag p50/p95/p99 ms | anchor txs | mean batch | gas/transition | verified |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var e in r.EndToEnd)
        {
            o.WriteLine($"| {e.BatchSize} | {F(e.DeclarationsPerSecond, "0.00")} | {e.Transitions} | {F(e.TransitionsAnchoredPerSecond)} | " +
                        $"{F(e.ReleaseP50Ms, "0")}/{F(e.ReleaseP95Ms, "0")}/{F(e.ReleaseP99Ms, "0")} | {F(e.AnchorP50Ms, "0")}/{F(e.AnchorP95Ms, "0")}/{F(e.AnchorP99Ms, "0")} | " +
                        $"{e.AnchoringTransactions} | {F(e.MeanBatchSize)} | {F(e.GasPerTransition, "0")} | {e.VerifiedTransitions}/{e.Transitions} |");
        }
        o.WriteLine();
        o.WriteLine("CPU time and peak memory per service:");
        o.WriteLine("| anchoring batch | customs CPU s / MB | documents CPU s / MB | payments CPU s / MB |");
        o.WriteLine("|---|---|---|---|");
        foreach (var e in r.EndToEnd)
            o.WriteLine($"| {e.BatchSize} | " + string.Join(" | ", e.Usage.Select(u => $"{F(u.CpuSeconds)} / {F(u.PeakMegabytes, "0")}")) + " |");
        if (r.EndToEnd.Count >= 2)
        {
            var baseline = r.EndToEnd[0];
            var batched = r.EndToEnd[^1];
            o.WriteLine();
            o.WriteLine($"End to end, batch {batched.BatchSize} vs {baseline.BatchSize}: anchoring transactions {baseline.AnchoringTransactions} → {batched.AnchoringTransactions} " +
                        $"({F((double)baseline.AnchoringTransactions / Math.Max(1, batched.AnchoringTransactions), "0.0")}× fewer), gas per transition " +
                        $"{F(baseline.GasPerTransition / Math.Max(1, batched.GasPerTransition), "0.0")}× lower, declarations per second ×{F(batched.DeclarationsPerSecond / baseline.DeclarationsPerSecond, "0.00")}");
        }
        o.WriteLine();
        o.WriteLine("Anchoring capacity (the worker alone on a backlog):");
        o.WriteLine("| batch size | transitions | transactions | seconds | transitions/s |");
        o.WriteLine("|---|---|---|---|---|");
        foreach (var c in r.AnchoringCapacity) o.WriteLine($"| {c.BatchSize} | {c.Transitions} | {c.Transactions} | {F(c.Seconds, "0.00")} | {F(c.TransitionsPerSecond, "0")} |");
        if (r.AnchoringCapacity.Count >= 2)
            o.WriteLine($"Batching ratio: {F(r.AnchoringCapacity[^1].TransitionsPerSecond / r.AnchoringCapacity[0].TransitionsPerSecond, "0.0")}× the throughput of one transaction per transition");
        var d = r.Documents;
        o.WriteLine();
        o.WriteLine($"Documents ({d.Documents} certificates of origin):");
        o.WriteLine($"| wrapped/s | wrapped and issued/s ({d.IssueTransactions} txs) | integrity verifications/s | full verification ms/doc (sequential) | full verifications/s (16 concurrent) |");
        o.WriteLine("|---|---|---|---|---|");
        o.WriteLine($"| {F(d.WrappedPerSecond, "0")} | {F(d.WrappedAndIssuedPerSecond, "0")} | {F(d.IntegrityVerificationsPerSecond, "0")} | {F(d.FullVerificationMsPerDocument, "0.00")} | {F(d.FullVerificationsPerSecondConcurrent, "0")} |");
        o.WriteLine();
        o.WriteLine(r.EveryAnchoredTransitionVerifies
            ? "Every anchored transition verifies against the chain (leaf rebuilt from its fields, proof folded, root read by JSON-RPC)."
            : "VERIFICATION FAILURES: " + string.Join("; ", r.EndToEnd.SelectMany(e => e.VerificationFailures)));
    }
}

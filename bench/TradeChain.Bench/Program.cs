using BenchmarkDotNet.Running;
using TradeChain.Bench;

if (args.Contains("--micro"))
{
    // BenchmarkDotNet's own options pass through, e.g. --filter '*Signer*' for some of them.
    BenchmarkSwitcher.FromTypes([typeof(MicroBenchmarks), typeof(QueryBenchmarks)]).Run(args.Where(a => a != "--micro").DefaultIfEmpty("--filter=*").ToArray());
    return 0;
}
if (args.Contains("--ledger")) return await LedgerRun.RunAsync(args, Console.Out);

BenchOptions options;
try { options = BenchOptions.Parse(args); }
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("usage: bench [--quick] [--rate R | --search] [--start-rate R] [--max-stages N] [--stage S] [--warmup S] [--warmup-rate R] [--drain S]");
    Console.Error.WriteLine("             [--database sqlite|postgres]");
    Console.Error.WriteLine("             [--batch-sizes 1,256] [--documents M] [--anchoring-transitions K]");
    Console.Error.WriteLine("       bench --faults [--declarations N] [--concurrency C] [--fault-gap S]   |   bench --micro   |   bench --ledger [--history N]   |   bench --documents-only [--documents M]");
    return 2;
}
if (args.Contains("--documents-only"))
{
    // The documents figures alone, on an anvil of their own: no services, no broker.
    Console.WriteLine($"TradeChain documents benchmark on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    BenchRunner.PrintDocuments(await new DocumentRun(options, Console.Out).RunAsync(), Console.Out);
    return 0;
}
if (options.Faults)
{
    Console.WriteLine($"TradeChain fault run on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    var faults = await new FaultRun(options, Console.Out).RunAsync();
    FaultRun.Print(faults, Console.Out);
    return faults.Clean ? 0 : 1;
}
var report = await BenchRunner.RunAsync(options, Console.Out);
return report.EveryAnchoredTransitionVerifies && report.NoDeclarationFailed ? 0 : 1;

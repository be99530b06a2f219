using System.Globalization;

namespace TradeChain.Bench;

/// <param name="Declarations">Declarations in the fault run.</param>
/// <param name="Concurrency">Declarations in flight at once in the fault run.</param>
/// <param name="BatchSizes">Anchoring:MaxBatchSize values to compare; 1 is one transaction per transition (the baseline).</param>
/// <param name="Documents">Documents for the document-throughput measurements.</param>
/// <param name="AnchoringTransitions">Transitions for the isolated anchoring-capacity measurement.</param>
/// <param name="Rate">A fixed arrival rate (declarations/s) for every batch size; null: search for the highest sustainable rate.</param>
/// <param name="StageSeconds">How long declarations arrive in each measured stage.</param>
/// <param name="WarmupSeconds">How long the unmeasured warm-up lasts (0: none).</param>
/// <param name="WarmupRate">The warm-up's arrival rate.</param>
/// <param name="StartRate">The search's first rate.</param>
/// <param name="MaxStages">The most stages the search runs.</param>
/// <param name="DrainSeconds">How long after a stage's last arrival everything must be released and anchored for the stage to count as sustainable.</param>
/// <param name="SettlementBurst">Duty payments held at the point of settlement and then settled by one bank at once, after the largest batch size's stages (0: none).</param>
/// <param name="Faults">The fault run instead (<see cref="FaultRun"/>): declarations under kills, a broker restart and a chain stall.</param>
/// <param name="FaultGapSeconds">Seconds between one fault's end and the next one's start in the fault run.</param>
/// <param name="Postgres">The end-to-end run's services keep their records in PostgreSQL (a database each on the benchmark's server) instead of SQLite files.</param>
/// <param name="ServiceEnvironment">Extra environment variables for the three services (e.g. a runtime setting to measure), from <c>--service-env NAME=VALUE</c>.</param>
/// <param name="IdleSeconds">After the warm-up has drained, how long to measure the system with nothing arriving (0: not measured).</param>
/// <param name="BlockTimeSeconds">
/// The end-to-end run's chain mines a block every this many seconds, as a permissioned chain does (Besu's QBFT block
/// period), instead of a block per transaction (anvil's automine, 0).
/// </param>
public sealed record BenchOptions(int Declarations, int Concurrency, IReadOnlyList<int> BatchSizes, int Documents, int AnchoringTransitions,
    double? Rate = null, int StageSeconds = 15, int WarmupSeconds = 10, double WarmupRate = 1, double StartRate = 3, int MaxStages = 6,
    int DrainSeconds = 30, int SettlementBurst = 40, bool Faults = false, int FaultGapSeconds = 20, bool Postgres = false, int BlockTimeSeconds = 0, int IdleSeconds = 15,
    IReadOnlyDictionary<string, string>? ServiceEnvironment = null)
{
    public static readonly BenchOptions Default = new(1_000, 16, [1, 256], 1_000, 600);

    /// <summary>The smoke test: a few of everything (3 declarations at 1/s, no warm-up), to prove the harness works and every anchored transition verifies.</summary>
    public static readonly BenchOptions Quick = new(3, 3, [1, 256], 50, 100, Rate: 1, StageSeconds: 3, WarmupSeconds: 0, DrainSeconds: 60, SettlementBurst: 0, IdleSeconds: 0);

    public static BenchOptions Parse(string[] args)
    {
        var options = args.Contains("--quick") ? Quick : Default;
        if (args.Contains("--faults")) options = options with { Faults = true };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--quick" or "--micro" or "--faults" or "--documents-only" => options,
                "--fault-gap" => options with { FaultGapSeconds = int.Parse(Next()) },
                "--declarations" or "-n" => options with { Declarations = int.Parse(Next()) },
                "--concurrency" or "-c" => options with { Concurrency = int.Parse(Next()) },
                "--batch-sizes" => options with { BatchSizes = Next().Split(',').Select(int.Parse).ToList() },
                "--documents" => options with { Documents = int.Parse(Next()) },
                "--anchoring-transitions" => options with { AnchoringTransitions = int.Parse(Next()) },
                "--rate" => options with { Rate = Number() },
                "--search" => options with { Rate = null },
                "--stage" => options with { StageSeconds = int.Parse(Next()) },
                "--warmup" => options with { WarmupSeconds = int.Parse(Next()) },
                "--warmup-rate" => options with { WarmupRate = Number() },
                "--start-rate" => options with { StartRate = Number() },
                "--max-stages" => options with { MaxStages = int.Parse(Next()) },
                "--drain" => options with { DrainSeconds = int.Parse(Next()) },
                "--settlements" => options with { SettlementBurst = int.Parse(Next()) },
                "--database" => Next() switch
                {
                    "sqlite" => options with { Postgres = false },
                    "postgres" => options with { Postgres = true },
                    var other => throw new ArgumentException($"--database is sqlite or postgres, not {other}"),
                },
                "--service-env" => Next().Split('=', 2) is [{ Length: > 0 } name, var value]
                    ? options with { ServiceEnvironment = new Dictionary<string, string>(options.ServiceEnvironment ?? new Dictionary<string, string>()) { [name] = value } }
                    : throw new ArgumentException("--service-env is NAME=VALUE"),
                "--idle" => options with { IdleSeconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--block-time" => options with { BlockTimeSeconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Declarations < 1 || options.Concurrency < 1 || options.BatchSizes.Count == 0 || options.BatchSizes.Any(b => b < 1) || options.FaultGapSeconds < 1)
            throw new ArgumentException("declarations, concurrency, batch sizes and the fault gap must be positive");
        if (options.Rate <= 0 || options.StartRate <= 0 || options.WarmupRate <= 0 || options.StageSeconds < 1 || options.WarmupSeconds < 0 || options.MaxStages < 1 || options.DrainSeconds < 1 || options.SettlementBurst < 0)
            throw new ArgumentException("rates, the stage, the drain and the number of stages must be positive (the warm-up may be 0)");
        if (options.IdleSeconds < 0) throw new ArgumentException("--idle is 0 (not measured) or more seconds");
        if (options.BlockTimeSeconds is < 0 or > 30)
            throw new ArgumentException("--block-time is 0 (a block per transaction) to 30 seconds (the services wait 60 s for a receipt)");
        return options;
    }
}

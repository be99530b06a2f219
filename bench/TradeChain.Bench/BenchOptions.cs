namespace TradeChain.Bench;

/// <param name="Declarations">Declarations driven end to end per anchoring configuration.</param>
/// <param name="Concurrency">Declarations in flight at once.</param>
/// <param name="BatchSizes">Anchoring:MaxBatchSize values to compare; 1 is one transaction per transition.</param>
/// <param name="Documents">Documents for the document-throughput measurements.</param>
/// <param name="AnchoringTransitions">Transitions for the isolated anchoring-capacity measurement.</param>
/// <param name="Faults">The fault run instead (<see cref="FaultRun"/>): declarations under kills, a broker restart and a chain stall.</param>
/// <param name="FaultGapSeconds">Seconds between one fault's end and the next one's start in the fault run.</param>
public sealed record BenchOptions(int Declarations, int Concurrency, IReadOnlyList<int> BatchSizes, int Documents, int AnchoringTransitions,
    bool Faults = false, int FaultGapSeconds = 20)
{
    public static readonly BenchOptions Default = new(24, 8, [1, 256], 1_000, 600);

    /// <summary>The smoke test: a few of everything, to prove the harness works and every anchored transition verifies.</summary>
    public static readonly BenchOptions Quick = new(3, 3, [1, 256], 50, 100);

    public static BenchOptions Parse(string[] args)
    {
        var options = args.Contains("--quick") ? Quick : Default;
        if (args.Contains("--faults")) options = options with { Faults = true, Declarations = 1_000, Concurrency = 16 };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--quick" or "--micro" or "--faults" => options,
                "--fault-gap" => options with { FaultGapSeconds = int.Parse(Next()) },
                "--declarations" or "-n" => options with { Declarations = int.Parse(Next()) },
                "--concurrency" or "-c" => options with { Concurrency = int.Parse(Next()) },
                "--batch-sizes" => options with { BatchSizes = Next().Split(',').Select(int.Parse).ToList() },
                "--documents" => options with { Documents = int.Parse(Next()) },
                "--anchoring-transitions" => options with { AnchoringTransitions = int.Parse(Next()) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Declarations < 1 || options.Concurrency < 1 || options.BatchSizes.Count == 0 || options.BatchSizes.Any(b => b < 1) || options.FaultGapSeconds < 1)
            throw new ArgumentException("declarations, concurrency, batch sizes and the fault gap must be positive");
        return options;
    }
}

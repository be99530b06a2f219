namespace TradeChain.Bench;

/// <summary>
/// An open-loop load: declarations arrive on a fixed schedule whatever the system's progress, so a slow system builds a
/// backlog instead of slowing the load down (a closed loop, with a fixed number in flight, measures latency instead of
/// capacity). Latency is measured from each declaration's scheduled arrival, so a late start counts against the system.
/// </summary>
public static class OpenLoop
{
    /// <summary>The arrival offsets of <paramref name="perSecond"/> declarations a second for <paramref name="duration"/>: one every 1/rate s from 0 (at least one).</summary>
    public static IReadOnlyList<TimeSpan> Arrivals(double perSecond, TimeSpan duration)
    {
        if (perSecond <= 0 || double.IsNaN(perSecond)) throw new ArgumentOutOfRangeException(nameof(perSecond), "the rate must be positive");
        var count = Math.Max(1, (int)Math.Floor(perSecond * duration.TotalSeconds + 1e-9));
        return Enumerable.Range(0, count).Select(i => TimeSpan.FromSeconds(i / perSecond)).ToList();
    }
}

/// <summary>What a stage of the load did, as far as the judgement of sustainability needs.</summary>
/// <param name="Offered">Declarations that arrived in the stage.</param>
/// <param name="Released">Of them, released before the drain ended.</param>
/// <param name="ReleaseP99Ms">p99 of arrival → Released over the released ones.</param>
/// <param name="PendingAnchoring">Transitions not yet anchored when the drain ended.</param>
public sealed record StageOutcome(int Offered, int Released, double ReleaseP99Ms, long PendingAnchoring)
{
    /// <summary>The bound: p99 release under 5 s.</summary>
    public const double MaxReleaseP99Ms = 5_000;

    /// <summary>Sustainable: every declaration released and every transition anchored within the drain, with p99 release under 5 s.</summary>
    public bool Sustainable => Offered > 0 && Released == Offered && PendingAnchoring == 0 && ReleaseP99Ms < MaxReleaseP99Ms;

    /// <summary>Why the stage is not sustainable (null when it is).</summary>
    public string? Shortfall =>
        Released < Offered ? $"{Offered - Released} of {Offered} not released" :
        PendingAnchoring > 0 ? $"{PendingAnchoring} transitions not anchored" :
        ReleaseP99Ms >= MaxReleaseP99Ms ? "p99 release ≥ 5 s" :
        Offered == 0 ? "no declarations" : null;
}

/// <summary>
/// The search for the highest sustainable rate: rates step up by <paramref name="factor"/> from <paramref name="start"/>
/// while stages are sustainable (or down, when the first is not); once one rate passed and a higher one failed, the gap
/// is bisected (geometrically) until the two are within <paramref name="precision"/> of each other or the stages run out.
/// </summary>
public sealed class CapacitySearch(double start, double factor = 1.5, int maxStages = 6, double precision = 1.15)
{
    private int _stages;

    /// <summary>The highest rate judged sustainable so far (null: none yet).</summary>
    public double? Sustained { get; private set; }

    /// <summary>The lowest rate judged not sustainable so far (null: none yet).</summary>
    public double? Failed { get; private set; }

    /// <summary>The first rate to try.</summary>
    public double First => start;

    /// <summary>Records a stage's judgement and gives the next rate to try, or null when the search is over.</summary>
    public double? Next(double rate, bool sustainable)
    {
        _stages++;
        if (sustainable) Sustained = Math.Max(Sustained ?? rate, rate);
        else Failed = Math.Min(Failed ?? rate, rate);
        if (_stages >= maxStages) return null;
        return (Sustained, Failed) switch
        {
            ({ } ok, null) => ok * factor,
            (null, { } bad) => bad / factor,
            ({ } ok, { } bad) when bad / ok > precision => Math.Sqrt(ok * bad),
            _ => null,
        };
    }
}

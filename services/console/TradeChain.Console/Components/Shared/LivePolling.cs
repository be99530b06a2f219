namespace TradeChain.Console.Components.Shared;

/// <summary>What the console's long-polls share (<see cref="LiveFollow{TRecord}"/> for a record, <see cref="LiveList{TPage}"/> for a list).</summary>
public static class LivePolling
{
    /// <summary>How long one request asks the service to wait: well within the console's 30 s client timeout.</summary>
    public const int WaitSeconds = 20;

    /// <summary>The pause before asking again after an early unchanged answer (the service had no place left to wait), as the old 1.5 s refresh.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(1_500);

    /// <summary>The wait before asking again after a failure (down, refused, gone): doubled each time, from 1 s up to 30 s.</summary>
    public static TimeSpan After(TimeSpan backoff) => TimeSpan.FromMilliseconds(Math.Min(30_000, Math.Max(1_000, backoff.TotalMilliseconds * 2)));
}

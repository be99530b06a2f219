namespace TradeChain.ServiceDefaults;

/// <summary>
/// How long a background worker waits after failing: documents' issuer and revoker, payments' settlement lanes and booking
/// sender, every service's anchoring worker and chain indexer.
/// </summary>
public static class Backoff
{
    /// <summary>The longest wait: a sender that keeps failing (its node down) still tries twice a minute.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    /// <summary>The wait after <paramref name="failures"/> failures in a row: <paramref name="first"/> after the first, doubling up to <see cref="Longest"/>.</summary>
    public static TimeSpan After(int failures, TimeSpan first) =>
        TimeSpan.FromMilliseconds(Math.Min(Longest.TotalMilliseconds, first.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 16))));
}

namespace TradeChain.Ledger;

/// <summary>
/// When a receipt poller need read the head next. On a chain that mines at a steady period (Besu's QBFT, anvil with
/// <c>--block-time</c>) a block cannot arrive long before its period is up, so the poller sleeps until shortly before the
/// next block is due instead of reading the head every interval (at a 1 s period and a 20 ms interval that was 29 of 44
/// RPC calls per declaration). On a chain that mines a block per transaction (anvil's automine), or whose blocks come
/// irregularly, it polls every interval as before. Pure: the caller passes the clock.
/// </summary>
/// <param name="interval">The poll interval (<c>Chain:ReceiptPollIntervalMs</c>).</param>
public sealed class BlockPace(TimeSpan interval)
{
    /// <summary>How many recent block periods are kept to judge the chain's pace.</summary>
    public const int Kept = 6;

    /// <summary>The periods count as steady when the longest is at most this many times the shortest.</summary>
    public const double SteadyRatio = 1.5;

    /// <summary>
    /// The longest sleep: a chain whose pace changes (Besu's <c>emptyblockperiodseconds</c> mines empty blocks slower than
    /// full ones) may bring a block well before the period learnt from empty ones is up; it is seen within this.
    /// </summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);

    private readonly Queue<double> _periods = new();
    private long? _head;

    /// <summary>When the poller saw the head move (≈ when that block arrived); null until it has, and after a pause.</summary>
    private double? _movedAtMs;

    /// <summary>The head read at <paramref name="nowMs"/>; a higher one than before is a new block (or several).</summary>
    public void Observed(long head, double nowMs)
    {
        if (_head is { } last && head > last)
        {
            if (_movedAtMs is { } movedAt)
            {
                _periods.Enqueue((nowMs - movedAt) / (head - last));
                if (_periods.Count > Kept) _periods.Dequeue();
            }
            _movedAtMs = nowMs;
        }
        if (_head is null || head > _head) _head = head;
    }

    /// <summary>
    /// The poller stopped (nothing awaited): blocks are not watched meanwhile, so the gap until it reads the head again is
    /// no period (an idle automine chain's next block may come a minute later). The periods seen before are kept: a chain
    /// mining at a steady period keeps it. The first head read after the pause is no block's arrival either (that block
    /// may have come any time before): the poller reads every interval until it sees the head move.
    /// </summary>
    public void Paused() => (_head, _movedAtMs) = (null, null);

    /// <summary>
    /// How long to wait from <paramref name="nowMs"/> before reading the head again: the interval, or — once the last
    /// <see cref="Kept"/> periods are steady and the head was seen to move — until two intervals before the next block is
    /// due by the shortest of them, at most <see cref="MaxSleep"/>.
    /// </summary>
    public TimeSpan NextPoll(double nowMs)
    {
        if (_periods.Count < Kept || _movedAtMs is not { } movedAt) return interval;
        var (shortest, longest) = (_periods.Min(), _periods.Max());
        if (shortest <= 0 || longest > shortest * SteadyRatio) return interval;
        var wait = movedAt + shortest - 2 * interval.TotalMilliseconds - nowMs;
        return wait > interval.TotalMilliseconds ? TimeSpan.FromMilliseconds(Math.Min(wait, MaxSleep.TotalMilliseconds)) : interval;
    }
}

using TradeChain.Ledger;

namespace TradeChain.UnitTests;

public class BlockPaceTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>A pace that has read the heads of <paramref name="reads"/> at their times (ms).</summary>
    private static BlockPace Seen(IEnumerable<(long Head, double AtMs)> reads)
    {
        var pace = new BlockPace(Interval);
        foreach (var (head, at) in reads) pace.Observed(head, at);
        return pace;
    }

    private static IEnumerable<(long, double)> Steady(int blocks, double periodMs, double jitterMs = 0) =>
        Enumerable.Range(0, blocks).Select(i => ((long)100 + i, i * periodMs + (i % 2 == 0 ? 0 : jitterMs)));

    [Fact]
    public void On_a_chain_mining_every_second_the_head_is_read_again_two_intervals_before_the_next_block_is_due()
    {
        // Blocks seen at 0, 1,015, 2,000, 3,015 ... 7,015 ms: the first move (1,015) starts the count, then six periods.
        var pace = Seen(Steady(BlockPace.Kept + 2, 1_000, jitterMs: 15));
        var lastBlockAt = 7_015.0;
        // Shortest period 985 ms: due at 8,000, read at 7,960 — from 7,025 that is 935 ms away.
        Assert.Equal(TimeSpan.FromMilliseconds(935), pace.NextPoll(lastBlockAt + 10));
        // Close to the block: every interval again, until it is seen.
        Assert.Equal(Interval, pace.NextPoll(lastBlockAt + 950));
        Assert.Equal(Interval, pace.NextPoll(lastBlockAt + 2_000)); // late: the interval, never a negative wait
    }

    [Fact]
    public void A_chain_mining_a_block_per_transaction_or_irregularly_is_polled_every_interval()
    {
        // Automine: blocks as transactions come, 30 ms to 900 ms apart.
        var irregular = Seen([(1, 0), (2, 30), (3, 900), (4, 950), (5, 1_600), (6, 1_640), (7, 2_500), (8, 2_520)]);
        Assert.Equal(Interval, irregular.NextPoll(2_530));
        // Too few periods seen yet to judge the pace.
        Assert.Equal(Interval, Seen(Steady(BlockPace.Kept + 1, 1_000)).NextPoll(6_010));
        // Blocks faster than a few intervals apart: nothing to gain from sleeping.
        Assert.Equal(Interval, Seen(Steady(BlockPace.Kept + 2, 50)).NextPoll(360));
    }

    [Fact]
    public void Several_blocks_between_two_reads_count_as_their_share_of_the_time()
    {
        // Heads 10, 12, 14, ... two blocks per read 2 s apart: a 1 s period.
        var pace = Seen(Enumerable.Range(0, BlockPace.Kept + 2).Select(i => ((long)10 + 2 * i, i * 2_000.0)));
        var last = (BlockPace.Kept + 1) * 2_000.0;
        Assert.Equal(TimeSpan.FromMilliseconds(1_000 - 40 - 5), pace.NextPoll(last + 5));

        // Empty blocks every 30 s (a pace that may change once transactions come): never asleep longer than MaxSleep.
        var slow = Seen(Steady(BlockPace.Kept + 2, 30_000));
        Assert.Equal(BlockPace.MaxSleep, slow.NextPoll((BlockPace.Kept + 1) * 30_000.0 + 10));
    }

    [Fact]
    public void A_pause_forgets_the_head_so_the_gap_is_no_period_but_keeps_the_pace_seen_before()
    {
        // Irregular blocks (automine), then nothing awaited for a minute, then a block: the minute is not a period, and
        // the pace stays irregular — every interval.
        var automine = Seen([(1, 0), (2, 30), (3, 900), (4, 950), (5, 1_600), (6, 1_640), (7, 2_500)]);
        automine.Paused();
        automine.Observed(8, 62_500);
        automine.Observed(9, 62_530);
        Assert.Equal(Interval, automine.NextPoll(62_540));

        // A steady 1 s chain: after the pause the first head read is no block's arrival (block 500 may have come at any
        // time before), so every interval until the head moves; then the pace is known at once.
        var steady = Seen(Steady(BlockPace.Kept + 2, 1_000));
        steady.Paused();
        steady.Observed(500, 90_000);
        Assert.Equal(Interval, steady.NextPoll(90_010));
        steady.Observed(501, 90_300);
        Assert.Equal(TimeSpan.FromMilliseconds(1_000 - 40 - 10), steady.NextPoll(90_310));
    }
}

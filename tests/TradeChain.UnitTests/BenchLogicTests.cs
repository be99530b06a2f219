using TradeChain.Bench;

namespace TradeChain.UnitTests;

/// <summary>The capacity benchmark's pure logic: arrivals, the judgement of a stage, the search, percentiles and /proc parsing.</summary>
public class BenchLogicTests
{
    [Fact]
    public void Arrivals_are_evenly_spaced_at_the_rate_for_the_duration()
    {
        var arrivals = OpenLoop.Arrivals(4, TimeSpan.FromSeconds(2));

        Assert.Equal(8, arrivals.Count);
        Assert.Equal(TimeSpan.Zero, arrivals[0]);
        Assert.Equal(TimeSpan.FromSeconds(1.75), arrivals[^1]);
        Assert.All(arrivals.Zip(arrivals.Skip(1)), p => Assert.Equal(TimeSpan.FromSeconds(0.25), p.Second - p.First));
    }

    [Fact]
    public void A_fractional_rate_gives_the_whole_number_of_arrivals_that_fit_and_at_least_one()
    {
        Assert.Equal(22, OpenLoop.Arrivals(1.5, TimeSpan.FromSeconds(15)).Count);
        Assert.Single(OpenLoop.Arrivals(0.1, TimeSpan.FromSeconds(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenLoop.Arrivals(0, TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [InlineData(10, 10, 4_999, 0, true, null)]
    [InlineData(10, 10, 5_000, 0, false, "p99 release ≥ 5 s")]
    [InlineData(10, 9, 100, 0, false, "1 of 10 not released")]
    [InlineData(10, 10, 100, 3, false, "3 transitions not anchored")]
    [InlineData(0, 0, 0, 0, false, "no declarations")]
    public void A_stage_is_sustainable_only_with_everything_released_and_anchored_and_p99_release_under_5_s(
        int offered, int released, double p99, long pending, bool sustainable, string? shortfall)
    {
        var outcome = new StageOutcome(offered, released, p99, pending);

        Assert.Equal(sustainable, outcome.Sustainable);
        Assert.Equal(shortfall, outcome.Shortfall);
    }

    [Fact]
    public void The_search_steps_up_until_a_rate_fails_then_bisects_the_gap()
    {
        var search = new CapacitySearch(start: 2, factor: 2, maxStages: 10, precision: 1.2);

        Assert.Equal(2, search.First);
        Assert.Equal(4, search.Next(2, sustainable: true));
        Assert.Equal(8, search.Next(4, sustainable: true));
        Assert.Equal(Math.Sqrt(32), search.Next(8, sustainable: false)!.Value, 9);
        var next = search.Next(Math.Sqrt(32), sustainable: true)!.Value; // between 5.66 and 8
        Assert.InRange(next, Math.Sqrt(32), 8);
        Assert.Null(search.Next(next, sustainable: true)); // 8 / 6.73 < 1.2: close enough
        Assert.Equal(next, search.Sustained);
        Assert.Equal(8, search.Failed);
    }

    [Fact]
    public void The_search_steps_down_when_the_first_rate_fails_and_stops_after_its_stages()
    {
        var search = new CapacitySearch(start: 4, factor: 2, maxStages: 3);

        Assert.Equal(2, search.Next(4, sustainable: false));
        Assert.Equal(1, search.Next(2, sustainable: false));
        Assert.Null(search.Next(1, sustainable: false));
        Assert.Null(search.Sustained);
        Assert.Equal(1, search.Failed);
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(99, 99)]
    [InlineData(100, 100)]
    [InlineData(1, 1)]
    public void Percentiles_are_nearest_rank(double percentile, double expected)
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)(101 - i)).ToList(); // 100 down to 1, unsorted

        Assert.Equal(expected, Stats.Percentile(values, percentile));
        Assert.Equal(0, Stats.Percentile([], 99));
    }

    [Fact]
    public void Cpu_time_is_user_plus_system_ticks_even_when_the_command_name_holds_spaces_and_parentheses()
    {
        const string stat = "4242 (beam (smp) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 130 7 9 20 0 30 0 100 2000000 500 18446744073709551615";

        Assert.Equal(TimeSpan.FromSeconds(3.8), ProcessCpu.ParseStat(stat, ticksPerSecond: 100));
    }

    [Fact]
    public void A_process_trees_cpu_time_counts_every_live_descendant_and_the_reaped_children_but_no_other_process()
    {
        // pid ppid ... utime stime cutime cstime: the postmaster (100; 3 s of its own, 1 s of backends it reaped), two live
        // backends (one with a child of its own), and an unrelated process.
        static string Stat(int pid, int parent, int u, int s, int cu, int cs) =>
            $"{pid} (postgres: x) S {parent} {pid} {pid} 0 -1 4194560 0 0 0 0 {u} {s} {cu} {cs} 20 0 1 0 100 2000000 500 0";
        var stats = new Dictionary<int, string>
        {
            [100] = Stat(100, 1, 200, 100, 60, 40),
            [101] = Stat(101, 100, 50, 25, 0, 0),
            [102] = Stat(102, 100, 10, 5, 0, 0),
            [103] = Stat(103, 102, 7, 3, 0, 0),
            [200] = Stat(200, 1, 900, 900, 0, 0),
        };

        Assert.Equal(TimeSpan.FromSeconds(5.0), ProcessCpu.SumTree(stats, 100, ticksPerSecond: 100)); // 400 + 75 + 15 + 10 ticks
        Assert.Equal(TimeSpan.FromSeconds(0.25), ProcessCpu.SumTree(stats, 102, ticksPerSecond: 100));
        Assert.Null(ProcessCpu.SumTree(stats, 999, ticksPerSecond: 100));
    }

    [Fact]
    public void A_listening_socket_is_found_by_its_port_and_other_states_are_not()
    {
        const string listening = "   1: 00000000:1626 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0";
        const string established = "   2: 0100007F:1626 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0000000000000000 20 4 30 10 -1";

        Assert.Equal("31337", ProcessCpu.ListeningInode(listening, 0x1626));
        Assert.Null(ProcessCpu.ListeningInode(listening, 5672));
        Assert.Null(ProcessCpu.ListeningInode(established, 0x1626));
    }
}

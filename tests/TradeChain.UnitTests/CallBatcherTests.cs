using TradeChain.Ledger;

namespace TradeChain.UnitTests;

/// <summary>The group commit of chain calls (<see cref="CallBatcher{TKey,TItem,TResult}"/>): pure logic, a recording flush in place of the chain.</summary>
public sealed class CallBatcherTests
{
    /// <summary>A flush that records each batch, answers each item with "key:item#batch", and can be held until released.</summary>
    private sealed class Recorder
    {
        public readonly List<(string Key, int[] Items)> Batches = [];
        public TaskCompletionSource? Hold;
        public Exception? Failure;
        public int InFlight, MostInFlight;

        public async Task<IReadOnlyList<string>> FlushAsync(string key, IReadOnlyList<int> items)
        {
            int number;
            lock (Batches)
            {
                Batches.Add((key, [.. items]));
                number = Batches.Count;
                MostInFlight = Math.Max(MostInFlight, ++InFlight);
            }
            try
            {
                if (Hold is { } hold) await hold.Task;
                if (Failure is { } failure) throw failure;
                return [.. items.Select(i => $"{key}:{i}#{number}")];
            }
            finally
            {
                lock (Batches) InFlight--;
            }
        }
    }

    private static CallBatcher<string, int, string> Batcher(Recorder recorder, int windowMs = 100, int maxItems = 10, int maxInFlight = 1) =>
        new(recorder.FlushAsync, TimeSpan.FromMilliseconds(windowMs), maxItems, maxInFlight);

    [Fact]
    public async Task Items_that_arrive_within_the_window_go_in_one_batch_and_each_caller_gets_its_own_result()
    {
        var recorder = new Recorder();
        var batcher = Batcher(recorder, windowMs: 2_000); // wide: the five are added at once, but a starved test thread may pause between them
        var results = await Task.WhenAll(Enumerable.Range(1, 5).Select(i => batcher.AddAsync("BNK-A", i, CancellationToken.None)));
        Assert.Equal(["BNK-A:1#1", "BNK-A:2#1", "BNK-A:3#1", "BNK-A:4#1", "BNK-A:5#1"], results);
        Assert.Equal([1, 2, 3, 4, 5], Assert.Single(recorder.Batches).Items);
    }

    [Fact]
    public async Task With_one_in_flight_a_keys_next_batch_waits_for_the_one_before_and_gathers_what_arrives_meanwhile()
    {
        var recorder = new Recorder { Hold = new TaskCompletionSource() };
        var batcher = Batcher(recorder, windowMs: 1);
        var first = batcher.AddAsync("BNK-A", 1, CancellationToken.None);
        while (recorder.Batches.Count == 0) await Task.Delay(5);
        var later = Enumerable.Range(2, 3).Select(i => batcher.AddAsync("BNK-A", i, CancellationToken.None)).ToList();
        var otherKey = batcher.AddAsync("BNK-B", 9, CancellationToken.None); // another account is not held up
        while (recorder.Batches.Count < 2) await Task.Delay(5);
        Assert.Equal("BNK-B", recorder.Batches[1].Key);
        Assert.Equal([9], recorder.Batches[1].Items);
        Assert.False(first.IsCompleted);
        recorder.Hold.SetResult();
        Assert.Equal("BNK-A:1#1", await first);
        Assert.Equal(["BNK-A:2#3", "BNK-A:3#3", "BNK-A:4#3"], await Task.WhenAll(later));
        Assert.Equal("BNK-B:9#2", await otherKey);
        Assert.Equal([2, 3, 4], recorder.Batches[2].Items);
    }

    [Fact]
    public async Task With_two_in_flight_a_second_batch_goes_while_the_first_is_unanswered_and_a_third_waits_for_one_of_them()
    {
        var recorder = new Recorder { Hold = new TaskCompletionSource() };
        var batcher = Batcher(recorder, windowMs: 1, maxInFlight: 2);
        var first = batcher.AddAsync("BNK-A", 1, CancellationToken.None);
        while (recorder.Batches.Count < 1) await Task.Delay(5);
        var second = batcher.AddAsync("BNK-A", 2, CancellationToken.None);
        while (recorder.Batches.Count < 2) await Task.Delay(5);
        var third = batcher.AddAsync("BNK-A", 3, CancellationToken.None);
        await Task.Delay(200);
        Assert.Equal((2, 2), (recorder.Batches.Count, recorder.MostInFlight));
        recorder.Hold.SetResult();
        Assert.Equal(["BNK-A:1#1", "BNK-A:2#2", "BNK-A:3#3"], await Task.WhenAll(first, second, third));
        Assert.Equal(2, recorder.MostInFlight);
    }

    [Fact]
    public async Task A_full_batch_goes_without_waiting_out_its_window_and_the_rest_follow_in_batches_of_at_most_the_limit()
    {
        var recorder = new Recorder();
        var batcher = Batcher(recorder, windowMs: 60_000, maxItems: 3);
        var all = Task.WhenAll(Enumerable.Range(1, 6).Select(i => batcher.AddAsync("BNK-A", i, CancellationToken.None)));
        // Two full batches: neither waits a minute.
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.Equal([[1, 2, 3], [4, 5, 6]], recorder.Batches.Select(b => b.Items));
    }

    [Fact]
    public async Task A_caller_that_gives_up_before_its_batch_went_takes_its_item_out()
    {
        var recorder = new Recorder();
        var batcher = Batcher(recorder, windowMs: 2_000);
        using var giveUp = new CancellationTokenSource();
        var kept = batcher.AddAsync("BNK-A", 1, CancellationToken.None);
        var withdrawn = batcher.AddAsync("BNK-A", 2, giveUp.Token);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn);
        Assert.Equal("BNK-A:1#1", await kept);
        Assert.Equal([1], Assert.Single(recorder.Batches).Items);
    }

    [Fact]
    public async Task A_caller_that_gives_up_after_its_batch_went_still_gets_its_result()
    {
        // Once sent the item is on its way to the chain: the caller learns what became of it rather than a cancellation.
        var recorder = new Recorder { Hold = new TaskCompletionSource() };
        var batcher = Batcher(recorder, windowMs: 1);
        using var giveUp = new CancellationTokenSource();
        var sent = batcher.AddAsync("BNK-A", 1, giveUp.Token);
        while (recorder.Batches.Count == 0) await Task.Delay(5);
        giveUp.Cancel();
        recorder.Hold.SetResult();
        Assert.Equal("BNK-A:1#1", await sent);
    }

    [Fact]
    public async Task A_failed_flush_fails_every_item_of_its_batch_and_the_next_batch_is_sent_afresh()
    {
        var recorder = new Recorder { Failure = new TimeoutException("the node did not answer") };
        var batcher = Batcher(recorder, windowMs: 1_000);
        var failed = Enumerable.Range(1, 3).Select(i => batcher.AddAsync("BNK-A", i, CancellationToken.None)).ToList();
        foreach (var one in failed) Assert.Equal("the node did not answer", (await Assert.ThrowsAsync<TimeoutException>(() => one)).Message);
        recorder.Failure = null;
        Assert.Equal("BNK-A:4#2", await batcher.AddAsync("BNK-A", 4, CancellationToken.None));
    }

    [Fact]
    public async Task A_flush_answering_with_another_number_of_results_fails_its_items_instead_of_handing_out_wrong_ones()
    {
        var batcher = new CallBatcher<string, int, string>((_, _) => Task.FromResult<IReadOnlyList<string>>(["only one"]), TimeSpan.FromMilliseconds(200), 10);
        var items = Enumerable.Range(1, 2).Select(i => batcher.AddAsync("BNK-A", i, CancellationToken.None)).ToList();
        foreach (var one in items) await Assert.ThrowsAsync<InvalidOperationException>(() => one);
    }

    [Fact]
    public void Its_limits_are_checked()
    {
        var recorder = new Recorder();
        Assert.Throws<ArgumentOutOfRangeException>(() => Batcher(recorder, maxItems: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Batcher(recorder, windowMs: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Batcher(recorder, maxInFlight: 0));
    }
}

using System.Diagnostics;

namespace TradeChain.Ledger;

/// <summary>
/// Calls that arrive together, sent as one (a group commit for chain transactions): each <see cref="AddAsync"/> joins its
/// key's gathering batch and waits for its own item's result. A batch goes <see cref="Window"/> after its first item
/// arrived, or at once when it holds <see cref="MaxItems"/> — but only while fewer than <see cref="MaxInFlight"/> batches
/// of its key are unanswered; meanwhile it keeps gathering, so batches grow with the load by themselves. One call of the
/// flush function sends a batch; its results, one per item in order, are handed back item by item. Batches of a key are
/// handed to the flush function in the order they gathered (with several in flight, which of them takes its nonce first
/// is the chain writer's).
/// </summary>
/// <remarks>
/// Nothing here is durable: the caller waits for its item's result and records it itself, as it would a call of its own.
/// A caller that gives up (its token cancelled) before its batch went takes its item out; once the batch went, the item is
/// sent and the caller still gets its result (a retry under the same reference finds it made). A flush that throws fails
/// every item of its batch with that exception. A key's lane is kept for the process's life: keys are few (a bank and a
/// currency).
/// </remarks>
public sealed class CallBatcher<TKey, TItem, TResult> where TKey : notnull
{
    private readonly Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _flush;
    private readonly Dictionary<TKey, Lane> _lanes = [];
    private readonly Lock _gate = new();

    /// <param name="flush">Sends one batch of a key (1 to <paramref name="maxItems"/> items); one result per item, in order. It is never cancelled by a caller.</param>
    /// <param name="maxInFlight">How many batches of one key may be sent and unanswered at once (1: each waits for the one before).</param>
    public CallBatcher(Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> flush, TimeSpan window, int maxItems, int maxInFlight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        _flush = flush;
        Window = window;
        MaxItems = maxItems;
        MaxInFlight = maxInFlight;
    }

    /// <summary>How long a batch gathers after its first item arrived before it goes.</summary>
    public TimeSpan Window { get; }

    /// <summary>The most items one batch holds.</summary>
    public int MaxItems { get; }

    /// <summary>The most batches of one key sent and not yet answered.</summary>
    public int MaxInFlight { get; }

    private sealed class Lane(int maxInFlight)
    {
        public readonly List<Waiting> Gathering = [];
        public readonly SemaphoreSlim Slots = new(maxInFlight, maxInFlight); // one per batch in flight
        public bool Running; // a loop is sending (or about to send) this key's batches
        public TaskCompletionSource Filled = new(TaskCreationOptions.RunContinuationsAsynchronously); // set when Gathering reaches MaxItems
    }

    private sealed record Waiting(TItem Item, TaskCompletionSource<TResult> Result, long ArrivedAt);

    /// <summary>Adds <paramref name="item"/> to <paramref name="key"/>'s next batch and waits for its result.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled before the batch went (the item was not sent).</exception>
    public async Task<TResult> AddAsync(TKey key, TItem item, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var waiting = new Waiting(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp());
        Lane lane;
        bool start;
        lock (_gate)
        {
            if (!_lanes.TryGetValue(key, out lane!)) _lanes[key] = lane = new Lane(MaxInFlight);
            lane.Gathering.Add(waiting);
            if (lane.Gathering.Count >= MaxItems) lane.Filled.TrySetResult();
            start = !lane.Running;
            lane.Running = true;
        }
        if (start) _ = Task.Run(() => RunAsync(key, lane));
        using (ct.Register(() => Withdraw(lane, waiting, ct)))
            return await waiting.Result.Task;
    }

    /// <summary>A caller gave up: its item leaves the batch if the batch has not gone yet.</summary>
    private void Withdraw(Lane lane, Waiting waiting, CancellationToken ct)
    {
        lock (_gate)
        {
            if (!lane.Gathering.Remove(waiting)) return; // gone already: its result stands
        }
        waiting.Result.TrySetCanceled(ct);
    }

    /// <summary>Sends <paramref name="key"/>'s batches as they are due and a slot is free, until none gathers (the next item starts a new loop).</summary>
    private async Task RunAsync(TKey key, Lane lane)
    {
        while (true)
        {
            await lane.Slots.WaitAsync();
            Task filled;
            TimeSpan due;
            lock (_gate)
            {
                filled = lane.Filled.Task;
                due = lane.Gathering.Count == 0 ? TimeSpan.Zero : Window - Stopwatch.GetElapsedTime(lane.Gathering[0].ArrivedAt);
            }
            if (due > TimeSpan.Zero) await Task.WhenAny(filled, Task.Delay(due));
            List<Waiting> batch;
            lock (_gate)
            {
                if (lane.Filled.Task.IsCompleted) lane.Filled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (lane.Gathering.Count == 0)
                {
                    lane.Running = false;
                    lane.Slots.Release();
                    return;
                }
                var count = Math.Min(MaxItems, lane.Gathering.Count);
                batch = lane.Gathering.GetRange(0, count);
                lane.Gathering.RemoveRange(0, count);
                if (lane.Gathering.Count >= MaxItems) lane.Filled.TrySetResult(); // the next batch is full already
            }
            _ = SendAsync(key, lane, batch);
        }
    }

    private async Task SendAsync(TKey key, Lane lane, List<Waiting> batch)
    {
        try
        {
            Task<IReadOnlyList<TResult>> sending;
            try
            {
                sending = _flush(key, [.. batch.Select(w => w.Item)]); // started here, in the order the batches gathered
            }
            catch (Exception e)
            {
                sending = Task.FromException<IReadOnlyList<TResult>>(e);
            }
            var results = await sending;
            if (results.Count != batch.Count)
                throw new InvalidOperationException($"A batch of {batch.Count} items was answered with {results.Count} results.");
            for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(results[i]);
        }
        catch (Exception e)
        {
            foreach (var w in batch) w.Result.TrySetException(e);
        }
        finally
        {
            lane.Slots.Release();
        }
    }
}

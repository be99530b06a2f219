using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Chain;

/// <summary>Section "ChainIndex": how the service's chain index runs (the node's limits are in <see cref="ChainOptions"/>).</summary>
public sealed class ChainIndexOptions
{
    public const string Section = "ChainIndex";

    /// <summary>
    /// The block a new cursor starts from. 0 walks the chain from genesis once, in bounded steps; set it to the block the
    /// contracts were deployed in to skip the blocks before them.
    /// </summary>
    [Range(0, long.MaxValue)] public long StartBlock { get; set; }

    /// <summary>How often the index asks for new blocks when nobody is waiting for one.</summary>
    [Range(10, 600_000)] public int PollIntervalMs { get; set; } = 1_000;

    /// <summary>How long a reader waits for the index to reach a block before it gives up (503 on an API).</summary>
    [Range(1, 3_600)] public int CatchUpTimeoutSeconds { get; set; } = 30;
}

/// <summary>
/// A contract whose events a service indexes: <paramref name="Events"/> are the wanted events' signature hashes (topic 0,
/// 0x hex), or null for every event of the contract.
/// </summary>
public sealed record ChainEventSource(string Name, string Contract, IReadOnlyList<string>? Events = null);

/// <summary>The index did not reach the block a reader needs in time (the chain node is unreachable or far ahead).</summary>
public sealed class ChainIndexBehindException(string contract, long block, long? indexedThrough)
    : Exception($"The chain index of {contract} has not reached block {block} yet (indexed through {indexedThrough?.ToString() ?? "nothing"}).");

/// <summary>
/// The service's index of the contract events it needs, kept in its own database by <see cref="ChainIndexer"/> — so
/// readers never ask the node for history (Besu refuses <c>eth_getLogs</c> over more than 5,000 blocks, and asking
/// from genesis on every read would load every event ever logged). What is indexed is final (see
/// <see cref="ChainOptions.Confirmations"/>). A reader that needs its own write (right after its own transaction)
/// first waits for that block: <see cref="WaitForBlockAsync"/>.
/// </summary>
public sealed class ChainIndex(IReadOnlyList<ChainEventSource> sources, ChainWriter chain, ChainOptions chainOptions,
    Microsoft.Extensions.Options.IOptions<ChainIndexOptions> options)
{
    private readonly ConcurrentDictionary<string, long> _indexedThrough = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wanted = new(0, 1);
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _headLock = new();
    private Task<long>? _headRead;
    private long _headReadStartedAt;

    /// <summary>The sources with a contract configured.</summary>
    public IReadOnlyList<ChainEventSource> Sources { get; } = sources.Where(s => s.Contract.Length > 0)
        .Select(s => s with { Contract = s.Contract.ToLowerInvariant(), Events = s.Events?.Select(e => e.ToLowerInvariant()).ToList() }).ToList();

    /// <summary>The last block indexed for <paramref name="contract"/> by every source that reads it (null: not yet known).</summary>
    public long? IndexedThrough(string contract)
    {
        var key = contract.ToLowerInvariant();
        long? through = null;
        foreach (var source in Sources.Where(s => s.Contract == key))
        {
            if (!_indexedThrough.TryGetValue(source.Name, out var block)) return null;
            through = through is null ? block : Math.Min(through.Value, block);
        }
        return through;
    }

    /// <summary>
    /// Returns once every block up to <paramref name="block"/> of <paramref name="contract"/> is in the index: for
    /// read-your-writes, after the reader's own transaction in that block. Wakes the indexer instead of waiting for its
    /// next poll; gives up after <see cref="ChainIndexOptions.CatchUpTimeoutSeconds"/>.
    /// </summary>
    /// <exception cref="ChainIndexBehindException">The index did not get there in time.</exception>
    public async Task WaitForBlockAsync(string contract, long block, CancellationToken ct)
    {
        if (!Sources.Any(s => s.Contract.Equals(contract, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException($"The chain index has no source for contract {contract}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.CatchUpTimeoutSeconds));
        try
        {
            while (true)
            {
                var progress = Volatile.Read(ref _progress).Task; // taken before the check, so no progress is missed
                if (IndexedThrough(contract) is { } through && through >= block) return;
                Want();
                try { await progress.WaitAsync(TimeSpan.FromMilliseconds(options.Value.PollIntervalMs), timeout.Token); }
                catch (TimeoutException) { } // look again
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ChainIndexBehindException(contract, block, IndexedThrough(contract));
        }
    }

    /// <summary>
    /// Waits until the index holds everything the chain had when this was called (what a recovery path needs: an event
    /// an earlier attempt caused, in some block up to now). With confirmations that is the head less the confirmations.
    /// </summary>
    public async Task WaitForHeadAsync(string contract, CancellationToken ct) =>
        await WaitForBlockAsync(contract, Math.Max(0, await FinalBlockAsync(ct)), ct);

    /// <summary>
    /// The newest block that counts as final: the head less <see cref="ChainOptions.Confirmations"/>, from a read of the
    /// head begun at or after this call (its own, or another caller's that began since).
    /// </summary>
    public Task<long> FinalBlockAsync(CancellationToken ct = default) => FinalBlockAsync(System.Diagnostics.Stopwatch.GetTimestamp(), ct);

    /// <summary>
    /// The newest block that counts as final, from a read of the chain's head begun at or after
    /// <paramref name="headReadNotBefore"/> — a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> value, the caller's
    /// moment. Such a read sees every block that existed at that moment, so it is shared: a caller whose moment came
    /// before a read began (still in flight, or answered) takes that read instead of asking the node again. Which moment
    /// is early enough is the caller's to say: after whatever it read that the block must cover (a record saying that a
    /// transaction was mined). A read already failed is not shared; callers already waiting on a read that then fails all
    /// see its failure (as each would have seen its own), and a caller's <paramref name="ct"/> ends its own wait only.
    /// This assumes one consistent node behind <see cref="ChainOptions.RpcUrl"/>, as every read-your-writes wait here does.
    /// </summary>
    public Task<long> FinalBlockAsync(long headReadNotBefore, CancellationToken ct = default)
    {
        TaskCompletionSource<long>? mine = null;
        Task<long> read;
        lock (_headLock)
        {
            if (_headRead is { IsFaulted: false, IsCanceled: false } shared && _headReadStartedAt >= headReadNotBefore) read = shared;
            else
            {
                // Recorded before the request is sent (outside the lock): the read begins no earlier than this.
                _headReadStartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                mine = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                read = _headRead = mine.Task;
            }
        }
        if (mine is not null) _ = ReadFinalBlockAsync(mine);
        return read.WaitAsync(ct);
    }

    private async Task ReadFinalBlockAsync(TaskCompletionSource<long> read)
    {
        try
        {
            read.TrySetResult((long)(await chain.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value - chainOptions.Confirmations);
        }
        catch (Exception e)
        {
            read.TrySetException(e);
        }
    }

    /// <summary>
    /// The key <see cref="Transitions.RecordChanges"/> wakes when this process's <see cref="ChainIndexer"/> has committed
    /// new events of <paramref name="source"/> (a view read from them follows it: <see cref="Transitions.ListChanges.AnswerAnnouncedAsync"/>).
    /// </summary>
    public static string EventsKey(string source) => "chain-events|" + source;

    /// <summary>The indexed events of <paramref name="contract"/>, for a reader to filter by topic and decode.</summary>
    public static IQueryable<ChainEventRecord> EventsOf(ServiceDbContext db, string contract)
    {
        var key = contract.ToLowerInvariant();
        return db.ChainEvents.AsNoTracking().Where(e => e.Contract == key);
    }

    /// <summary>An indexed (32-byte) topic for an address, as topics store it.</summary>
    public static string AddressTopic(string address) => "0x" + address[2..].ToLowerInvariant().PadLeft(64, '0');

    /// <summary>A 32-byte value (a token id, a reference) as topics store it.</summary>
    public static string Topic(byte[] value) => "0x" + Convert.ToHexStringLower(value).PadLeft(64, '0');

    // ---- the indexer's side ------------------------------------------------------------------------------------

    internal long StartBlock => options.Value.StartBlock;

    /// <summary>The indexer reached <paramref name="block"/> for <paramref name="source"/>: wake the readers waiting.</summary>
    internal void Reached(string source, long block)
    {
        _indexedThrough[source] = block;
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Waits for a reader wanting a block, or the poll interval.</summary>
    internal Task WaitForWorkAsync(CancellationToken ct) => _wanted.WaitAsync(TimeSpan.FromMilliseconds(options.Value.PollIntervalMs), ct);

    private void Want()
    {
        try { if (_wanted.CurrentCount == 0) _wanted.Release(); }
        catch (SemaphoreFullException) { /* already wanted */ }
    }
}

using System.Collections.Concurrent;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace TradeChain.Ledger;

/// <summary>
/// One receipt poller per node for every writer of the process, instead of each in-flight transaction polling on its own
/// (in the capacity run that was 58 of 77 RPC calls per declaration): every <c>Chain:ReceiptPollIntervalMs</c> (on a
/// chain mining at a steady period: shortly before each block is due, see below) it reads the head, and when new blocks
/// arrived reads their receipts (eth_getBlockReceipts, one call a block; each awaited transaction's own receipt instead
/// when the blocks outnumber the awaited, on the first read, when the node has no answer for a block yet, or on a node
/// that refuses that method) — and asks once for each transaction newly awaited, whatever the head, so a transaction
/// mined before it was awaited is found. It runs
/// only while something is awaited. A failed read fails every wait of that round with its error, so callers retry as
/// they would have after their own poll failed. On a chain that mines at a steady period it reads the head only shortly
/// before each block is due (<see cref="BlockPace"/>), and a newly awaited transaction wakes it at once.
/// </summary>
internal sealed class ReceiptWatcher
{
    private static readonly ConcurrentDictionary<(string Url, int IntervalMs), ReceiptWatcher> Watchers = new();

    private readonly IWeb3 _web3;
    private readonly ConcurrentDictionary<Waiter, byte> _waiters = new();
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _awaited = new(0, 1);
    private readonly BlockPace _pace;
    private bool _running;

    private ReceiptWatcher(IWeb3 web3, TimeSpan interval)
    {
        _web3 = web3;
        _pace = new BlockPace(interval);
    }

    /// <summary>The watcher of the node at <paramref name="url"/>, with a client of its own (no writer's account or interceptors).</summary>
    public static ReceiptWatcher For(string url, int intervalMs) =>
        Watchers.GetOrAdd((url, intervalMs), _ => new ReceiptWatcher(new Web3(url), TimeSpan.FromMilliseconds(intervalMs)));

    /// <summary>The receipt of <paramref name="hash"/> once it is mined.</summary>
    public async Task<TransactionReceipt> WaitAsync(string hash, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(hash);
        _waiters[waiter] = 0;
        lock (_lock)
        {
            if (!_running)
            {
                _running = true;
                _ = Task.Run(PollAsync);
            }
            else if (_awaited.CurrentCount == 0) _awaited.Release(); // asked for at once, not at the next block
        }
        try
        {
            return await waiter.Receipt.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _waiters.TryRemove(waiter, out _);
        }
    }

    private async Task PollAsync()
    {
        long? seen = null;
        while (true)
        {
            List<Waiter> waiting;
            lock (_lock)
            {
                waiting = _waiters.Keys.Where(w => !w.Receipt.Task.IsCompleted).ToList();
                if (waiting.Count == 0)
                {
                    _running = false;
                    _pace.Paused();
                    return;
                }
            }
            try
            {
                var head = (long)(await _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
                _pace.Observed(head, Environment.TickCount64);
                var fresh = waiting.Where(w => !w.Asked).ToList();
                var hashes = waiting.Select(w => w.Hash).Distinct(StringComparer.OrdinalIgnoreCase).Count();
                if (head != seen && seen is { } last && head > last && head - last <= hashes && _blockReceipts)
                {
                    // The new blocks' receipts, one call a block, instead of every awaited transaction's own: on a chain
                    // mining a block per transaction the awaited are many and each new block holds one of them.
                    await FromBlocksAsync(last + 1, head, waiting);
                    await AskEachAsync(fresh.Where(w => !w.Receipt.Task.IsCompleted)); // mined before it was awaited: not in these blocks
                }
                else await AskEachAsync(head != seen ? waiting : fresh);
                seen = head;
            }
            catch (Exception e)
            {
                foreach (var waiter in waiting) waiter.Receipt.TrySetException(e);
            }
            await _awaited.WaitAsync(_pace.NextPoll(Environment.TickCount64));
        }
    }

    /// <summary>Whether the node answers eth_getBlockReceipts (until it refuses it once, with any error: then each transaction is asked for).</summary>
    private bool _blockReceipts = true;

    /// <summary>Each waiter's receipt asked for on its own (one call a transaction).</summary>
    private async Task AskEachAsync(IEnumerable<Waiter> due)
    {
        foreach (var transaction in due.GroupBy(w => w.Hash, StringComparer.OrdinalIgnoreCase))
        {
            var receipt = await _web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(transaction.Key);
            foreach (var waiter in transaction)
            {
                waiter.Asked = true;
                if (receipt is not null) waiter.Receipt.TrySetResult(receipt);
            }
        }
    }

    /// <summary>
    /// The receipts of blocks <paramref name="from"/> to <paramref name="to"/> handed to the waiters whose transactions they
    /// hold. A block the node does not answer for (it reported a head it has not got yet: a node behind a balancer) ends
    /// the reading: every waiter still waiting is asked for on its own instead, so nothing mined is skipped. A node that
    /// refuses the method (not there, not enabled, whatever its error) is asked for each transaction from then on.
    /// </summary>
    private async Task FromBlocksAsync(long from, long to, List<Waiter> waiting)
    {
        var byHash = waiting.ToLookup(w => w.Hash, StringComparer.OrdinalIgnoreCase);
        for (var block = from; block <= to; block++)
        {
            TransactionReceipt[]? receipts;
            try
            {
                receipts = await _web3.Eth.Blocks.GetBlockReceiptsByNumber.SendRequestAsync(new BlockParameter((ulong)block));
            }
            catch (Nethereum.JsonRpc.Client.RpcResponseException)
            {
                _blockReceipts = false;
                receipts = null;
            }
            if (receipts is null)
            {
                await AskEachAsync(waiting.Where(w => !w.Receipt.Task.IsCompleted));
                return;
            }
            foreach (var receipt in receipts)
                foreach (var waiter in byHash[receipt.TransactionHash])
                    waiter.Receipt.TrySetResult(receipt);
        }
        foreach (var waiter in waiting) waiter.Asked = true;
    }

    private sealed class Waiter(string hash)
    {
        public string Hash { get; } = hash;

        public TaskCompletionSource<TransactionReceipt> Receipt { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Asked for once since it was awaited (read and written by the one polling task only).</summary>
        public bool Asked { get; set; }
    }
}

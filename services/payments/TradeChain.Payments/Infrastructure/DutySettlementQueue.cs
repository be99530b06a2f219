using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// The durable per-bank submission queue of duty settlements: a settlement's saved intent (Settling, by a bank whose key
/// this service's signer holds) is its entry — nothing else is stored, so nothing queued is lost with the process. A
/// bank's lane (<see cref="DutySettlementWorker"/>) is woken in process when an entry is saved and flushes what gathered in
/// the window as one chain transaction; requests waiting for their settlement hear the outcome here.
/// </summary>
public sealed class DutySettlementQueue(PartyWallets wallets, IOptions<PaymentsOptions> options)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TaskCompletionSource<string?> Outcome, int Waiters)> _waiting = new(StringComparer.Ordinal); // under its own lock
    private int _waiters;
    private readonly SemaphoreSlim _newLane = new(0);

    /// <summary>
    /// Whether <paramref name="bankParty"/>'s settlements go through its queue: batching is on and this service's signer
    /// configuration holds the bank's key (a bank that signs itself, or whose wallet sends, settles transaction by transaction).
    /// </summary>
    public bool Batches(string bankParty) =>
        options.Value.SettlementBatchWindowMs > 0 && wallets.HasAccount(bankParty) && !wallets.SignsItself(bankParty);

    /// <summary>The window a bank's queued settlements gather in before they are sent.</summary>
    public TimeSpan Window => TimeSpan.FromMilliseconds(Math.Max(0, options.Value.SettlementBatchWindowMs));

    /// <summary>This process as a holder of banks' settlement leases (its host, process and a random part: unique across replicas and restarts).</summary>
    public string LeaseHolder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>The most settlements in one transaction.</summary>
    public int MaxItems => Math.Clamp(options.Value.SettlementBatchMaxItems, 1, Math.Min(PaymentsOptions.MostBatchItems, SettlementClient.MaxTransfersPerBatch));

    /// <summary>An entry of <paramref name="bankParty"/>'s queue was saved: its lane wakes (and starts, the first time).</summary>
    public void Queued(string bankParty)
    {
        var isNew = false;
        var lane = _lanes.GetOrAdd(bankParty, _ => { isNew = true; return new SemaphoreSlim(0, 1); });
        if (isNew) _newLane.Release();
        try { if (lane.CurrentCount == 0) lane.Release(); }
        catch (SemaphoreFullException) { /* already woken */ }
    }

    /// <summary>The banks whose lanes exist, and a wait for the next one to appear.</summary>
    internal IReadOnlyCollection<string> Banks => [.. _lanes.Keys];

    internal Task WaitForNewLaneAsync(TimeSpan timeout, CancellationToken ct) => _newLane.WaitAsync(timeout, ct);

    internal Task<bool> WaitForWorkAsync(string bankParty, TimeSpan timeout, CancellationToken ct) => _lanes[bankParty].WaitAsync(timeout, ct);

    /// <summary>
    /// Waits until the settlement of payment <paramref name="reference"/> is recorded by its lane, at most <paramref name="timeout"/>:
    /// null when it was made (Settled), the refusal when it was given up; also null when the time ran out (read the payment).
    /// </summary>
    public async Task<string?> WaitAsync(string reference, TimeSpan timeout, CancellationToken ct)
    {
        TaskCompletionSource<string?> outcome;
        lock (_waiting)
        {
            outcome = _waiting.TryGetValue(reference, out var entry) ? entry.Outcome : new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[reference] = (outcome, entry.Waiters + 1);
        }
        try
        {
            return await outcome.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            // Kept while another request waits on the same payment; dropped with its last waiter.
            lock (_waiting)
            {
                if (_waiting.TryGetValue(reference, out var entry) && entry.Outcome == outcome)
                {
                    if (entry.Waiters <= 1) _waiting.Remove(reference);
                    else _waiting[reference] = (outcome, entry.Waiters - 1);
                }
            }
        }
    }

    /// <summary>
    /// A place among the requests waiting for their settlement's record (at most Payments:SettlementMaxWaiters in this
    /// process); false when all are taken: the request answers 202 at once. Given back with <see cref="LeaveWaiting"/>.
    /// </summary>
    public bool TryJoinWaiting()
    {
        if (Interlocked.Increment(ref _waiters) <= Math.Max(0, options.Value.SettlementMaxWaiters)) return true;
        Interlocked.Decrement(ref _waiters);
        return false;
    }

    public void LeaveWaiting() => Interlocked.Decrement(ref _waiters);

    /// <summary>The lane recorded what became of <paramref name="reference"/>'s settlement (null: settled; else why it was given up).</summary>
    public void Recorded(string reference, string? refusal)
    {
        TaskCompletionSource<string?>? outcome = null;
        lock (_waiting)
        {
            if (_waiting.Remove(reference, out var entry)) outcome = entry.Outcome;
        }
        outcome?.TrySetResult(refusal);
    }
}

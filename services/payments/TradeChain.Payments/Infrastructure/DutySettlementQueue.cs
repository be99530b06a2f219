using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// The durable per-bank submission queue of duty settlements: a settlement's saved intent (Settling, by a bank whose key
/// this service's signer holds, marked <see cref="Domain.DutyPayment.SettlementQueued"/>) is its entry — nothing else is
/// stored, so nothing queued is lost with the process. A bank's lane (<see cref="DutySettlementWorker"/>) is woken in
/// process when an entry is saved and flushes what gathered in the window as one chain transaction. Requests waiting for
/// their settlement's record follow the payment through <see cref="ServiceDefaults.Transitions.RecordChanges"/>, at most
/// Payments:SettlementMaxWaiters of them (<see cref="TryJoinWaiting"/>).
/// </summary>
public sealed class DutySettlementQueue(PartyWallets wallets, IOptions<PaymentsOptions> options)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new(StringComparer.Ordinal);
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
    /// A place among the requests waiting for their settlements' records (at most Payments:SettlementMaxWaiters settlements
    /// waited for in this process); false when too few are left: the request answers 202 at once. Given back with <see cref="LeaveWaiting"/>.
    /// </summary>
    /// <param name="settlements">The settlements the request waits for (a bulk settlement's: one place each).</param>
    public bool TryJoinWaiting(int settlements = 1)
    {
        if (Interlocked.Add(ref _waiters, settlements) <= Math.Max(0, options.Value.SettlementMaxWaiters)) return true;
        Interlocked.Add(ref _waiters, -settlements);
        return false;
    }

    public void LeaveWaiting(int settlements = 1) => Interlocked.Add(ref _waiters, -settlements);
}

using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

/// <summary>
/// The document store's indexed events held in this process's memory, by document hash (topic 1), so that verifying a
/// document reads neither the node nor the database for its hashes — only the chain's head (to know how far the answer
/// must reach). It is a copy of the chain index's rows (<see cref="DocumentStoreEvents.Source"/>), never ahead of
/// them: it holds every row of the store's blocks up to <see cref="Snapshot.Through"/>, and a reader needing a later block
/// (its head read moved on: a document issued or revoked since) first waits for the index to reach that block, then
/// loads the rows of the blocks in between in one query — whichever replica's indexer stored them, since the index
/// stores a range's rows and its cursor in one transaction and reports a block reached only after that commit. So a
/// copy is refreshed at most once per block that holds a reader's interest, and at a steady head not at all.
/// <para>
/// Bounded: past <see cref="MostEvents"/> rows (about 0.5 KB each) it lets its copy go and every reader queries the
/// index as before (<see cref="EventsAsync"/> answers null); one warning says so.
/// </para>
/// </summary>
public sealed class DocumentStoreEventCache(ChainIndex index, DocumentStoreClient store, ILogger<DocumentStoreEventCache> logger)
{
    /// <summary>The most rows held: issuances are one per batch root, so this is mostly revocations.</summary>
    public const int MostEvents = 100_000;

    /// <summary>Every row of the store's blocks up to <paramref name="Through"/> (-1: none loaded), by topic 1, each list in chain order.</summary>
    public sealed record Snapshot(long Through, ImmutableDictionary<string, ImmutableArray<(FilterLog Log, long Timestamp)>> ByTopic, int Count);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _snapshot = new(-1, ImmutableDictionary<string, ImmutableArray<(FilterLog, long)>>.Empty.WithComparers(StringComparer.Ordinal), 0);

    /// <summary>
    /// The store's events of <paramref name="topics"/> in blocks up to at least <paramref name="final"/>, which the caller
    /// has waited for the index to reach (<see cref="ChainIndex.WaitForBlockAsync"/>); null when the copy was let go
    /// (too many rows): query the index instead.
    /// </summary>
    public async Task<List<(FilterLog Log, long Timestamp)>?> EventsAsync(ServiceDbContext db, IReadOnlyCollection<string> topics, long final, CancellationToken ct)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && snapshot.Through < final) snapshot = await RefreshAsync(db, final, ct);
        if (snapshot is null) return null;
        var found = new List<(FilterLog, long)>();
        foreach (var topic in topics)
            if (snapshot.ByTopic.TryGetValue(topic, out var events)) found.AddRange(events);
        return found;
    }

    private async Task<Snapshot?> RefreshAsync(ServiceDbContext db, long final, CancellationToken ct)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            var snapshot = _snapshot;
            if (snapshot is null || snapshot.Through >= final) return snapshot; // let go, or loaded by the reader before
            // As far as the index has reached (at least final: the caller waited for it), so later readers find it loaded.
            var through = Math.Max(final, index.IndexedThrough(store.ContractAddress) ?? final);
            var rows = await ChainIndex.EventsOf(db, store.ContractAddress)
                .Where(e => e.BlockNumber > snapshot.Through && e.BlockNumber <= through && e.Topic1 != null)
                .OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex).ToListAsync(ct);
            if (snapshot.Count + rows.Count > MostEvents)
            {
                logger.LogWarning("The document store's index holds more than {Most} events: verifications query it instead of a copy in memory", MostEvents);
                _snapshot = null;
                return null;
            }
            var byTopic = snapshot.ByTopic.ToBuilder();
            foreach (var group in rows.GroupBy(r => r.Topic1!, StringComparer.Ordinal))
            {
                var known = byTopic.TryGetValue(group.Key, out var before) ? before : [];
                byTopic[group.Key] = known.AddRange(group.Select(r => (r.ToFilterLog(), r.BlockTimestamp)));
            }
            return _snapshot = new Snapshot(through, byTopic.ToImmutable(), snapshot.Count + rows.Count);
        }
        finally
        {
            _refresh.Release();
        }
    }
}

using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

/// <summary>
/// The document store's indexed events held in this process's memory, by document hash (topic 1), so that verifying a
/// document reads neither the node nor the database for its hashes — only the chain's head, to know how far the answer
/// must reach (and, with <see cref="ChainOptions.Confirmations"/>, the blocks not final yet: <see cref="DocumentStoreEvents"/>).
/// It is a copy of the chain index's rows (<see cref="DocumentStoreEvents.Source"/>), never ahead of them: it holds
/// every row of the store's blocks up to its snapshot's <c>Through</c>. A reader needing a later block (its head read
/// moved on: a document issued or revoked since) has waited for this process's index to report that block reached
/// (<see cref="ChainIndex.WaitForBlockAsync"/>); the copy then loads the rows of the blocks in between in one query —
/// whichever replica's indexer stored them, since the indexer stores a range's rows and its cursor in one transaction and
/// reports a block reached only after that commit. So the copy is loaded at most once per new block a reader asks about,
/// and at a steady head not at all. It loads only up to what the index reports reached, never what a caller claims.
/// Every <see cref="RecountAfter"/> (when a reader comes) the rows of the blocks it covers are counted again, and it is
/// loaded afresh if there are more: another replica's indexer may store rows in blocks this one's cursor passed already
/// (two indexers reading one cursor row race; one whose node had not seen a block yet may pass it empty), so such a
/// row is seen within that time, as a query of the index would have seen it at once.
/// <para>
/// Bounded: past <see cref="MostEvents"/> rows it lets its copy go for the rest of the process's life and every reader
/// queries the index as before (<see cref="EventsAsync"/> answers null); one warning says so. At most
/// <see cref="MostEvents"/> + 1 rows are read to find that out.
/// </para>
/// </summary>
public sealed class DocumentStoreEventCache(ChainIndex index, DocumentStoreClient store, ILogger<DocumentStoreEventCache> logger)
{
    /// <summary>The most rows held: an issuance is one row per batch root, a revocation one or two (with its reason), so this is mostly revocations.</summary>
    public const int MostEvents = 100_000;

    /// <summary>How long a copy is used before its blocks' rows are counted again (at a steady head too).</summary>
    public static readonly TimeSpan RecountAfter = TimeSpan.FromSeconds(2);

    /// <summary>Every row of the store's blocks up to <paramref name="Through"/> (-1: none loaded yet), by topic 1, each list in chain order; loaded or counted at <paramref name="CheckedAtMs"/> (<see cref="Environment.TickCount64"/>).</summary>
    private sealed record Snapshot(long Through, ImmutableDictionary<string, ImmutableArray<(FilterLog Log, long Timestamp)>> ByTopic, int Count, long CheckedAtMs);

    private static readonly Snapshot Empty = new(-1, ImmutableDictionary<string, ImmutableArray<(FilterLog, long)>>.Empty.WithComparers(StringComparer.Ordinal), 0, 0);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    // Null once let go (too many rows): from then on every reader queries the index.
    private volatile Snapshot? _snapshot = Empty;

    private static bool Due(Snapshot snapshot) => Environment.TickCount64 - snapshot.CheckedAtMs >= RecountAfter.TotalMilliseconds;

    /// <summary>
    /// The store's events of <paramref name="topics"/> in blocks up to at least <paramref name="final"/>, which the caller
    /// has waited for the index to reach (<see cref="ChainIndex.WaitForBlockAsync"/>); null when the index does not report
    /// that block reached, or the copy was let go (too many rows): query the index instead. <paramref name="db"/> must
    /// not be in a snapshot transaction (<see cref="ReadSnapshot"/>): it would hide rows committed since it began.
    /// </summary>
    public async Task<List<(FilterLog Log, long Timestamp)>?> EventsAsync(ServiceDbContext db, IReadOnlyCollection<string> topics, long final, CancellationToken ct)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && (snapshot.Through < final || Due(snapshot))) snapshot = await RefreshAsync(db, final, ct);
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
            if (snapshot is null || (snapshot.Through >= final && !Due(snapshot))) return snapshot; // let go, or loaded by the reader before
            // As far as the index reports reached (every row of those blocks is committed), so later readers find it loaded;
            // not reached as far as final (the caller did not wait for it): nothing is loaded on the caller's word.
            if (index.IndexedThrough(store.ContractAddress) is not { } through || through < final) return null;
            through = Math.Max(through, snapshot.Through);
            // The rows of the blocks the copy covers are counted again: one stored there since it was loaded (a replica's
            // indexer that walked those blocks again after another's cursor passed them) makes the copy load from the start.
            if (snapshot.Through >= 0 && await ChainIndex.EventsOf(db, store.ContractAddress).CountAsync(e => e.BlockNumber <= snapshot.Through && e.Topic1 != null, ct) != snapshot.Count)
            {
                logger.LogWarning("The document store's index gained events in blocks up to {Through} after they were copied: loading the copy again", snapshot.Through);
                snapshot = Empty;
            }
            var rows = await ChainIndex.EventsOf(db, store.ContractAddress)
                .Where(e => e.BlockNumber > snapshot.Through && e.BlockNumber <= through && e.Topic1 != null)
                .OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex).Take(MostEvents - snapshot.Count + 1).ToListAsync(ct);
            if (snapshot.Count + rows.Count > MostEvents)
            {
                logger.LogWarning("The document store's index holds more than {Most} events: until this process restarts, verifications query it instead of a copy in memory", MostEvents);
                _snapshot = null;
                return null;
            }
            var byTopic = snapshot.ByTopic.ToBuilder();
            foreach (var group in rows.GroupBy(r => r.Topic1!, StringComparer.Ordinal))
            {
                var known = byTopic.TryGetValue(group.Key, out var before) ? before : [];
                byTopic[group.Key] = known.AddRange(group.Select(r => r.ToTimedLog()));
            }
            return _snapshot = new Snapshot(through, byTopic.ToImmutable(), snapshot.Count + rows.Count, Environment.TickCount64);
        }
        finally
        {
            _refresh.Release();
        }
    }
}

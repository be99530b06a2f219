using Microsoft.EntityFrameworkCore;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;

namespace TradeChain.Documents.Infrastructure;

/// <summary>What the store's events say of a set of document hashes: which were issued and which revoked, where and why.</summary>
public sealed class DocumentStoreRecords(IReadOnlyList<IssuanceRecord> issued, IReadOnlyList<RevocationRecord> revoked, long checkedThrough)
{
    /// <summary>The block up to which the records are complete: the head as of the head read they were checked against (begun no earlier than the caller's moment).</summary>
    public long CheckedThrough { get; } = checkedThrough;

    public IssuanceRecord? Issued(string hash) => issued.FirstOrDefault(r => Same(r.Hash, hash));

    public RevocationRecord? Revoked(string hash) => revoked.FirstOrDefault(r => Same(r.Hash, hash));

    private static bool Same(string recorded, string hash) => recorded.AsSpan(2).Equals(hash.AsSpan(hash.StartsWith("0x", StringComparison.Ordinal) ? 2 : 0), StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The document store's issuance and revocation events as this service's chain index holds them (source
/// <see cref="Source"/>), so that verifying a document of TradeChain's own store asks the node for no hash at all:
/// one read of the chain's head, then the index (this process's copy of it in memory: <see cref="DocumentStoreEventCache"/>) once it holds every block up to that head (read-your-writes, as the
/// title reads wait; the head read may be shared, see <see cref="ChainIndex.FinalBlockAsync(long, CancellationToken)"/>). With <see cref="ChainOptions.Confirmations"/> the blocks not yet final are not in the index; their
/// events are asked for in one <c>eth_getLogs</c>, so a root issued or revoked in them is never missed. Other stores
/// are not indexed: the verifier reads the chain for them (<see cref="DocumentStoreClient.FindIssuanceAsync"/>).
/// </summary>
public sealed class DocumentStoreEvents(DocumentsDbContext db, ChainIndex index, DocumentStoreClient store, ChainOptions chain, DocumentStoreEventCache cache)
{
    /// <summary>The chain index source of the document store: its issued, revoked and revocation-reason events.</summary>
    public const string Source = "document-store";

    public static ChainEventSource SourceFor(ChainOptions chain) => new(Source, chain.DocumentStoreAddress, DocumentStoreClient.VerificationEvents);

    /// <summary>True for the store this service indexes (its own).</summary>
    public bool Indexes(string address) => address.Equals(store.ContractAddress, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Every issuance and revocation of <paramref name="hashes"/> (hex, with or without 0x) on the service's store up to
    /// the chain's head as of a read begun at or after this call — or, given <paramref name="headReadNotBefore"/> (a
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> value), at or after that moment; the read may be shared
    /// with other readers (<see cref="ChainIndex.FinalBlockAsync(long, CancellationToken)"/>).
    /// </summary>
    /// <exception cref="ChainIndexBehindException">The index did not reach the chain's final block in time.</exception>
    public async Task<DocumentStoreRecords> ReadAsync(IReadOnlyCollection<string> hashes, CancellationToken ct, long? headReadNotBefore = null)
    {
        var documents = hashes.Select(TradeChain.Domain.Hashing.Hex.Decode).ToList();
        // A chain younger than the confirmations: only genesis is final.
        var final = Math.Max(0, await index.FinalBlockAsync(headReadNotBefore ?? System.Diagnostics.Stopwatch.GetTimestamp(), ct));
        await index.WaitForBlockAsync(store.ContractAddress, final, ct);
        var topics = documents.Select(DocumentStoreClient.DocumentTopic).ToList();
        // From this process's copy of the index (DocumentStoreEventCache); from the index itself when the copy was let go.
        var logs = await cache.EventsAsync(db, topics, final, ct)
                   ?? (await ChainIndex.EventsOf(db, store.ContractAddress).Where(e => e.Topic1 != null && topics.Contains(e.Topic1)).ToListAsync(ct))
                       .Select(r => r.ToTimedLog()).ToList();
        // Blocks after the final one (only with confirmations) are not indexed yet: they are read from the node, once.
        if (chain.Confirmations > 0) logs.AddRange(await store.VerificationEventsAsync(store.ContractAddress, documents, final + 1, null));
        var issued = documents.Select(d => DocumentStoreClient.IssuanceIn(d, logs.Select(l => l.Log))).OfType<IssuanceRecord>().ToList();
        var revoked = documents.Select(d => DocumentStoreClient.RevocationIn(d, logs)).OfType<RevocationRecord>().ToList();
        return new DocumentStoreRecords(issued, revoked, final + chain.Confirmations);
    }
}

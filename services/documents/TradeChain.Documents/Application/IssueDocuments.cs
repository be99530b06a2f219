using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;

namespace TradeChain.Documents.Application;

/// <summary>
/// Issuing submitted documents: everything submitted within the window is wrapped into Merkle trees
/// (<see cref="IssuanceBatch.TreesOf"/>) whose roots go out in one document-store transaction (bills of lading: one title
/// minted each), then each document becomes Issued with the transaction's hash and block. Submissions and batches are
/// durable before the chain sees them, so a crash or a chain outage only delays issuance; on retry, roots already on
/// chain are not issued twice. A round is formed (<see cref="FormAsync"/>: its batches saved) and then sent and confirmed
/// (<see cref="SendAsync"/>); the <see cref="DocumentIssuer"/> forms the next round while earlier ones await their
/// receipts, up to <see cref="IssuanceOptions.MaxInFlight"/>.
/// </summary>
public sealed class IssueDocuments(DocumentsDbContext db, DocumentStoreClient store, TitleRegistryClient titles, TitleEvents titleEvents, PartyDirectory parties, TimeProvider clock,
    IOptions<IssuanceOptions> options, ILogger<IssueDocuments> logger)
{
    /// <summary>Who issues, in the transition log.</summary>
    public const string Actor = "documents-issuer";

    /// <summary>
    /// The next round to send: batches formed before a crash or a chain outage first (those of <paramref name="inFlight"/>,
    /// being sent by this process, excepted; none when <paramref name="includeRetries"/> is false: their retry is backing off), else what was submitted — once the oldest submission has waited the window or
    /// a full batch is waiting — formed into batches and saved. Null when there is nothing to send.
    /// </summary>
    public async Task<IssuanceRound?> FormAsync(IReadOnlyCollection<Guid> inFlight, CancellationToken ct, bool includeRetries = true)
    {
        // Batches formed before a crash or a chain outage go first, with the roots they were given.
        if (includeRetries)
        {
            var unconfirmed = await Unconfirmed(db, inFlight).Take(options.Value.MaxBatchSize).ToListAsync(ct);
            if (unconfirmed.Count > 0) return new IssuanceRound(unconfirmed, Retry: true);
        }

        var pending = await db.Documents.Where(d => d.Status == DocumentStatus.Submitted && d.BatchId == null)
            .OrderBy(d => d.SubmittedAtUnixMs).Take(options.Value.MaxBatchSize).ToListAsync(ct);
        if (pending.Count == 0) return null;
        var age = clock.GetUtcNow().ToUnixTimeMilliseconds() - pending[0].SubmittedAtUnixMs;
        if (pending.Count < options.Value.MaxBatchSize && age < options.Value.WindowMs)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.WindowMs - age), ct);
            db.ChangeTracker.Clear();
            return await FormAsync(inFlight, ct, includeRetries);
        }

        // The batches are durable before the chain sees them.
        var now = clock.GetUtcNow();
        var batches = new List<IssuanceBatch>();
        foreach (var group in IssuanceBatch.TreesOf(pending))
        {
            var (root, proofs) = OpenAttestationV2.BuildTree(group.Select(d => d.TargetHash).ToList());
            var batch = IssuanceBatch.Create(Guid.NewGuid(), root, group[0].OwnerParty, group[0].Method, group.Count, now);
            for (var i = 0; i < group.Count; i++) group[i].AssignToBatch(batch.Id, root, proofs[i]);
            db.Batches.Add(batch);
            batches.Add(batch);
        }
        await db.SaveChangesAsync(ct);
        return new IssuanceRound([.. batches.Select(b => b.Id)], Retry: false);
    }

    /// <summary>
    /// The batches formed and not confirmed (their roots not recorded as issued), except those of <paramref name="inFlight"/>,
    /// oldest first: looked for at every round, so read from the index on <see cref="IssuanceBatch.Confirmed"/>. Compared
    /// with a parameter (<c>"Confirmed" = @confirmed</c>): <c>!b.Confirmed</c>, or <c>== false</c>, EF sends as
    /// <c>NOT ("Confirmed")</c>, which SQLite cannot look up in an index — it read every batch ever issued at every round.
    /// </summary>
    public static IQueryable<Guid> Unconfirmed(DocumentsDbContext db, IReadOnlyCollection<Guid> inFlight)
    {
        var confirmed = false;
        return db.Batches.AsNoTracking().Where(b => b.Confirmed == confirmed && !inFlight.Contains(b.Id)).OrderBy(b => b.CreatedAtUnixMs).Select(b => b.Id);
    }

    /// <summary>Sends a round's roots and marks its documents Issued; the number of documents now Issued.</summary>
    public async Task<int> SendAsync(IssuanceRound round, CancellationToken ct)
    {
        var ids = round.BatchIds;
        // Looked up by id (the key answers it; the NOT of Confirmed only filters those few).
        var batches = await db.Batches.Where(b => ids.Contains(b.Id) && !b.Confirmed).OrderBy(b => b.CreatedAtUnixMs).ToListAsync(ct);
        return batches.Count == 0 ? 0 : await IssueAndConfirmAsync(batches, ct);
    }

    private async Task<int> IssueAndConfirmAsync(IReadOnlyList<IssuanceBatch> batches, CancellationToken ct)
    {
        var receipts = new Dictionary<Guid, (string Tx, long Block)>();
        var stored = batches.Where(b => b.Method == IssuanceMethod.DocumentStore).ToList();
        if (stored.Count > 0)
        {
            // Every document-store root of the round in one transaction.
            var receipt = await store.IssueAsync(stored.Select(b => Convert.FromHexString(b.MerkleRoot)).ToList(), ct);
            foreach (var batch in stored)
            {
                // Each root recorded with the transaction whose DocumentIssued event names it: this round's, or — a retry, or
                // a root another replica's retry issued first — an earlier transaction's, found from the store's events.
                var root = Convert.FromHexString(batch.MerkleRoot);
                var issued = receipt?.Logs is { } logs ? DocumentStoreClient.IssuanceIn(root, logs, store.ContractAddress) : null;
                issued ??= await store.FindIssuanceAsync(store.ContractAddress, root)
                    ?? throw new InvalidOperationException($"Root 0x{batch.MerkleRoot} is not issued on chain after its round was sent; the round is retried.");
                // Issued, but its event not found (a node that limits or prunes log queries): the block is still the chain's
                // answer; recorded with no transaction rather than holding the round's other batches back for ever.
                if (issued.TransactionHash.Length == 0)
                    logger.LogWarning("Root 0x{Root} is issued in block {Block} but its DocumentIssued event was not found: recorded without its transaction", batch.MerkleRoot, issued.BlockNumber);
                receipts[batch.Id] = (issued.TransactionHash, issued.BlockNumber);
            }
        }
        foreach (var batch in batches.Where(b => b.Method == IssuanceMethod.TokenRegistry))
        {
            var document = await db.Documents.SingleAsync(d => d.BatchId == batch.Id, ct);
            var beneficiary = await parties.AddressAsync(document.InitialBeneficiaryParty ?? document.OwnerParty, ct);
            var holder = await parties.AddressAsync(document.InitialHolderParty ?? document.OwnerParty, ct);
            var root = Convert.FromHexString(batch.MerkleRoot);
            var minted = await titles.MintAsync(root, beneficiary, holder, ct);
            if (minted is not null)
            {
                receipts[batch.Id] = (minted.TransactionHash, minted.BlockNumber);
                continue;
            }
            // Minted by an earlier attempt that could not record it: its TitleIssued event says where (from the chain index,
            // once it holds every block up to now; until then this round fails and the batch is retried).
            await titleEvents.CaughtUpToNowAsync(ct);
            var issued = (await titleEvents.HistoryAsync(root, ct)).FirstOrDefault(e => e.Action == "issued")
                ?? throw new InvalidOperationException($"Title 0x{batch.MerkleRoot} exists on chain but its TitleIssued event is not in the chain index.");
            receipts[batch.Id] = (issued.TransactionHash, issued.BlockNumber);
        }

        var ids = batches.Select(b => b.Id).ToList();
        var documents = await db.Documents.Where(d => d.BatchId != null && ids.Contains(d.BatchId.Value)).ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var batch in batches)
        {
            var (tx, block) = receipts[batch.Id];
            batch.Confirm(tx, block);
            var contract = batch.Method == IssuanceMethod.TokenRegistry ? titles.ContractAddress : store.ContractAddress;
            foreach (var document in documents.Where(d => d.BatchId == batch.Id && d.Status == DocumentStatus.Submitted))
                document.MarkIssued(tx, block, contract, Actor, now);
        }
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Issued {Documents} document(s) in {Batches} batch(es)", documents.Count, batches.Count);
        return documents.Count;
    }
}

/// <summary>Batches to send together (saved already). <paramref name="Retry"/>: formed before — an earlier attempt may have issued some of their roots.</summary>
public sealed record IssuanceRound(IReadOnlyList<Guid> BatchIds, bool Retry);

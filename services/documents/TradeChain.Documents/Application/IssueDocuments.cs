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
/// chain are not issued twice. Run by the <see cref="DocumentIssuer"/> whenever something was saved.
/// </summary>
public sealed class IssueDocuments(DocumentsDbContext db, DocumentStoreClient store, TitleRegistryClient titles, TitleEvents titleEvents, PartyDirectory parties, TimeProvider clock,
    IOptions<IssuanceOptions> options, ILogger<IssueDocuments> logger)
{
    /// <summary>Who issues, in the transition log.</summary>
    public const string Actor = "documents-issuer";

    /// <summary>Issues what is waiting (or resends what was not confirmed); the number of documents now Issued.</summary>
    public async Task<int> HandleAsync(CancellationToken ct)
    {
        // Batches formed before a crash or a chain outage go first, with the roots they were given.
        var unconfirmed = await db.Batches.Where(b => !b.Confirmed).OrderBy(b => b.CreatedAtUnixMs).Take(options.Value.MaxBatchSize).ToListAsync(ct);
        if (unconfirmed.Count > 0) return await SendAsync(unconfirmed, retry: true, ct);

        var pending = await db.Documents.Where(d => d.Status == DocumentStatus.Submitted && d.BatchId == null)
            .OrderBy(d => d.SubmittedAtUnixMs).Take(options.Value.MaxBatchSize).ToListAsync(ct);
        if (pending.Count == 0) return 0;
        var age = clock.GetUtcNow().ToUnixTimeMilliseconds() - pending[0].SubmittedAtUnixMs;
        if (pending.Count < options.Value.MaxBatchSize && age < options.Value.WindowMs)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.WindowMs - age), ct);
            return await HandleAsync(ct);
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
        return await SendAsync(batches, retry: false, ct);
    }

    private async Task<int> SendAsync(IReadOnlyList<IssuanceBatch> batches, bool retry, CancellationToken ct)
    {
        var receipts = new Dictionary<Guid, (string Tx, long Block)>();
        var stored = batches.Where(b => b.Method == IssuanceMethod.DocumentStore).ToList();
        if (stored.Count > 0)
        {
            // Every document-store root of the window in one transaction.
            var receipt = await store.IssueAsync(stored.Select(b => Convert.FromHexString(b.MerkleRoot)).ToList(), ct);
            foreach (var batch in stored)
            {
                if (receipt is not null && !retry)
                {
                    receipts[batch.Id] = (receipt.TransactionHash, receipt.BlockNumber);
                    continue;
                }
                // A retry: an earlier attempt may have issued some roots before it could record it — the chain says where.
                var block = (await store.GetStatusAsync(Convert.FromHexString(batch.MerkleRoot))).IssuedInBlock;
                receipts[batch.Id] = (receipt is not null && block == receipt.BlockNumber ? receipt.TransactionHash : "", block);
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

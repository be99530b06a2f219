using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

public sealed class IssuanceOptions
{
    public const string Section = "Issuance";

    /// <summary>Documents issued in one transaction at most.</summary>
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>How long a submitted document waits for others to share its transaction.</summary>
    public int WindowMs { get; set; } = 200;
}

/// <summary>
/// Issues submitted documents: everything submitted within the window is wrapped into Merkle trees (one per owner;
/// one per bill of lading) whose roots go out in one document-store transaction (bills of lading: one title minted
/// each), then each document becomes Issued with the transaction's hash and block. Submissions and batches are
/// durable before the chain sees them, so a crash or a chain outage only delays issuance; on retry, roots already
/// on chain are not issued twice.
/// </summary>
public sealed class DocumentIssuer(IServiceScopeFactory scopes, DocumentStoreClient store, TitleRegistryClient titles, PartyDirectory parties, WorkSignal signal, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<IssuanceOptions> options, ILogger<DocumentIssuer> logger) : BackgroundService
{
    private readonly WorkSignal.WakeUp _wakeUp = signal.Register();

    public const string Actor = "documents-issuer";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var issued = await IssuePendingAsync(stoppingToken);
                failures = 0;
                if (issued == 0) await _wakeUp.WaitAsync(TimeSpan.FromMilliseconds(500), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                failures++;
                logger.LogWarning(e, "Issuing documents failed ({Failures} in a row); they stay Submitted and will be retried", failures);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(failures, 6)))), stoppingToken);
            }
        }
    }

    public async Task<int> IssuePendingAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();

        // Batches formed before a crash or a chain outage go first, with the roots they were given.
        var unconfirmed = await db.Batches.Where(b => !b.Confirmed).OrderBy(b => b.CreatedAtUnixMs).Take(options.Value.MaxBatchSize).ToListAsync(ct);
        if (unconfirmed.Count > 0) return await SendAsync(db, unconfirmed, retry: true, ct);

        var pending = await db.Documents.Where(d => d.Status == DocumentStatus.Submitted && d.BatchId == null)
            .OrderBy(d => d.SubmittedAtUnixMs).Take(options.Value.MaxBatchSize).ToListAsync(ct);
        if (pending.Count == 0) return 0;
        var age = clock.GetUtcNow().ToUnixTimeMilliseconds() - pending[0].SubmittedAtUnixMs;
        if (pending.Count < options.Value.MaxBatchSize && age < options.Value.WindowMs)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.WindowMs - age), ct);
            return await IssuePendingAsync(ct);
        }

        // One Merkle tree per owner, so that revoking a batch can never revoke another party's documents; a bill of
        // lading is its own tree, since its root is the id of its title. The batches are durable before the chain sees them.
        var now = clock.GetUtcNow();
        var batches = new List<IssuanceBatch>();
        var groups = pending.Where(d => !d.IsTransferable).GroupBy(d => d.OwnerParty).Select(g => g.ToList())
            .Concat(pending.Where(d => d.IsTransferable).Select(d => new List<TradeDocument> { d }));
        foreach (var group in groups)
        {
            var (root, proofs) = OpenAttestationV2.BuildTree(group.Select(d => d.TargetHash).ToList());
            var batch = IssuanceBatch.Create(Guid.NewGuid(), root, group[0].OwnerParty, group[0].Method, group.Count, now);
            for (var i = 0; i < group.Count; i++) group[i].AssignToBatch(batch.Id, root, proofs[i]);
            db.Batches.Add(batch);
            batches.Add(batch);
        }
        await db.SaveChangesAsync(ct);
        return await SendAsync(db, batches, retry: false, ct);
    }

    private async Task<int> SendAsync(DocumentsDbContext db, IReadOnlyList<IssuanceBatch> batches, bool retry, CancellationToken ct)
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
            var issued = minted is null ? (await titles.HistoryAsync(root)).First(e => e.Action == "issued") : null;
            receipts[batch.Id] = (minted?.TransactionHash ?? issued!.TransactionHash, minted?.BlockNumber ?? issued!.BlockNumber);
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

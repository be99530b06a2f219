using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Domain;
using TradeChain.Ledger;

namespace TradeChain.Documents.Application;

/// <summary>Revoke one document ("document") or every document issued in its Merkle tree ("batch"), with a reason.</summary>
public sealed record RevokeDocumentCommand(Guid DocumentId, string Reason, string Scope);

/// <summary>What was revoked on chain, and the documents now Revoked.</summary>
public sealed record DocumentRevocation(string RevokedHash, string Scope, string Reason, string TransactionHash, long BlockNumber,
    IReadOnlyList<TradeDocument> Documents);

/// <summary>
/// Asking for a revocation: the issuing party asks for the document's targetHash (or its batch's root) to be revoked on the
/// document store with the hash of its reason. The request is saved on the document (<see cref="TradeDocument.RequestRevocation"/>,
/// a transition of its own); the chain transaction is sent by <see cref="SendRevocations"/> where issuance runs — the one
/// process that writes with the service's account (on Kubernetes documents-worker) — so API replicas never send with it.
/// The notice itself stays here, where verifiers read it back against the hash the chain records.
/// </summary>
public sealed class RevokeDocument(DocumentsDbContext db, DocumentStoreClient store, TimeProvider clock)
{
    /// <returns>The document with its revocation asked (or recorded already: a request repeated after it went through).</returns>
    public Task<Outcome<TradeDocument>> HandleAsync(RevokeDocumentCommand command, Caller caller, CancellationToken ct) => HandleAsync(command, caller, 1, ct);

    private async Task<Outcome<TradeDocument>> HandleAsync(RevokeDocumentCommand command, Caller caller, int attempt, CancellationToken ct)
    {
        var document = await db.Documents.SingleOrDefaultAsync(d => d.Id == command.DocumentId, ct);
        // Only the issuing party may revoke its documents; to others the document does not exist.
        if (document is null || !document.BelongsTo(caller.Party)) return new NotFound("document", command.DocumentId.ToString());
        // The same request again after it was recorded: that revocation (a client retrying after a lost answer).
        if (document.Status == DocumentStatus.Revoked && document.RevocationScope == command.Scope && document.RevocationReason == command.Reason) return document;
        document.RequireRevocable();
        if (document.RevocationPending)
        {
            document.RequestRevocation(command.Scope, command.Reason, caller.Actor, clock.GetUtcNow()); // the same request, or refused
            return document;
        }

        // Revoked on chain already (outside TradeChain, or an earlier request's transaction whose record is on its way): only
        // with the same notice, which cannot be rewritten afterwards.
        var hash = document.RevokedHash(command.Scope);
        if (await store.FindRevocationAsync(store.ContractAddress, Convert.FromHexString(hash)) is { } earlier)
            TradeDocument.RequireSameRevocation(hash, earlier.TransactionHash, earlier.ReasonHash, "0x" + DocumentVerifier.ReasonHash(command.Reason));
        document.RequestRevocation(command.Scope, command.Reason, caller.Actor, clock.GetUtcNow());
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException) when (attempt < 3)
        {
            // Another request changed the document meanwhile (the same owner asking twice at once): as it stands now.
            db.ChangeTracker.Clear();
            return await HandleAsync(command, caller, attempt + 1, ct);
        }
        return document;
    }

    /// <summary>The revocation recorded for <paramref name="document"/> (Revoked), with the documents it covered.</summary>
    public async Task<DocumentRevocation> RecordedAsync(TradeDocument document, CancellationToken ct)
    {
        if (document.Status != DocumentStatus.Revoked) throw new InvalidOperationException($"Document {document.Id} is {document.Status}, not Revoked.");
        var scope = document.RevocationScope!;
        var covered = scope == "batch"
            ? await db.Documents.AsNoTracking().Where(d => d.BatchId == document.BatchId && d.RevocationTransactionHash == document.RevocationTransactionHash).ToListAsync(ct)
            : [document];
        return new DocumentRevocation(document.RevokedHash(scope), scope, document.RevocationReason!, document.RevocationTransactionHash ?? "", document.RevokedInBlock ?? 0, covered);
    }
}

/// <summary>
/// Sends the revocations asked (<see cref="RevokeDocument"/>) to the document store and records them: each asked hash's
/// revokeWithReason — several in flight at once, in the writer's nonce order — then every document it covers marked Revoked
/// with the transaction's hash and block, for the actor who asked. A hash already revoked on chain (an earlier attempt
/// that sent and could not record, e.g. a crash) is recorded with that transaction, not sent again. A request whose
/// document is no longer Issued (its batch revoked meanwhile) has nothing left to do.
/// </summary>
public sealed class SendRevocations(DocumentsDbContext db, DocumentStoreClient store, TimeProvider clock, ILogger<SendRevocations> logger)
{
    /// <summary>The most revocations one round sends.</summary>
    public const int MaxPerRound = 50;

    /// <summary>Sends and records the pending revocations (up to <see cref="MaxPerRound"/>, oldest first); how many documents it recorded Revoked.</summary>
    /// <exception cref="AggregateException">Some hashes could not be revoked (chain unavailable, refused): those that could are recorded first.</exception>
    public async Task<int> HandleAsync(CancellationToken ct)
    {
        var asked = await db.Documents.Where(d => d.RevocationRequestedAtUnixMs != null && d.Status == DocumentStatus.Issued)
            .OrderBy(d => d.RevocationRequestedAtUnixMs).Take(MaxPerRound).ToListAsync(ct);
        if (asked.Count == 0) return 0;
        // One transaction per hash: two documents asking for their batch's root are one revocation (the first asked).
        var byHash = asked.GroupBy(d => d.RevokedHash(d.RevocationScope!)).Select(g => g.First()).ToList();
        var sends = byHash.Select(d => RevokeOnChainAsync(d, ct)).ToList();
        try { await Task.WhenAll(sends); } catch { /* each one's outcome is read below */ }

        var now = clock.GetUtcNow();
        var recorded = 0;
        var failures = new List<Exception>();
        for (var i = 0; i < byHash.Count; i++)
        {
            var request = byHash[i];
            if (sends[i].Exception is { } failed)
            {
                failures.Add(failed.InnerException ?? failed);
                continue;
            }
            var (tx, block) = sends[i].Result;
            var scope = request.RevocationScope!;
            var covered = scope == "batch"
                ? await db.Documents.Where(d => d.BatchId == request.BatchId && d.Status == DocumentStatus.Issued).ToListAsync(ct)
                : [request];
            foreach (var document in covered.Where(d => d.Status == DocumentStatus.Issued))
            {
                document.MarkRevoked(scope, request.RevocationReason!, tx, block, request.RevocationRequestedBy!, now);
                recorded++;
            }
        }
        if (recorded > 0) await db.SaveChangesAsync(ct);
        logger.LogInformation("Revoked {Documents} document(s) in {Transactions} revocation(s)", recorded, byHash.Count - failures.Count);
        if (failures.Count > 0) throw new AggregateException($"{failures.Count} of {byHash.Count} revocation(s) could not be sent; they stay asked and are sent again", failures);
        return recorded;
    }

    /// <summary>The document's asked hash revoked on chain with its notice's hash: this send's transaction, or an earlier one's.</summary>
    private async Task<(string Tx, long Block)> RevokeOnChainAsync(TradeDocument request, CancellationToken ct)
    {
        var hash = Convert.FromHexString(request.RevokedHash(request.RevocationScope!));
        var reasonHash = "0x" + DocumentVerifier.ReasonHash(request.RevocationReason!);
        if (await store.FindRevocationAsync(store.ContractAddress, hash) is { } earlier)
        {
            // Checked when it was asked; another reason now means the hash was revoked outside this request meanwhile. The chain's
            // revocation is what stands: recorded with its transaction, and said in the log.
            if (!string.Equals(earlier.ReasonHash, reasonHash, StringComparison.OrdinalIgnoreCase))
                logger.LogWarning("0x{Hash} was revoked on chain in transaction {Transaction} with reason hash {ChainReason}, not the asked notice's {Asked}: recorded with the chain's transaction",
                    Convert.ToHexStringLower(hash), earlier.TransactionHash, earlier.ReasonHash ?? "(none)", reasonHash);
            return (earlier.TransactionHash, earlier.BlockNumber);
        }
        var receipt = await store.RevokeWithReasonAsync(hash, Convert.FromHexString(reasonHash[2..]), ct);
        return (receipt.TransactionHash, receipt.BlockNumber);
    }
}

using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Domain;
using TradeChain.Ledger;

namespace TradeChain.Documents.Application;

/// <summary>Revoke one document ("document") or every document issued in its Merkle tree ("batch"), with a reason.</summary>
public sealed record AskRevocationCommand(Guid DocumentId, string Reason, string Scope);

/// <summary>What was revoked on chain, and the documents now Revoked.</summary>
public sealed record DocumentRevocation(string RevokedHash, string Scope, string Reason, string TransactionHash, long BlockNumber,
    IReadOnlyList<TradeDocument> Documents);

/// <summary>
/// Asking for a revocation (the first half of revoking): the issuing party asks for the document's targetHash (or its
/// batch's root) to be revoked on the document store with the hash of its reason. The request is saved on the document
/// (<see cref="TradeDocument.RequestRevocation"/>, a transition of its own); nothing is sent from here. The chain transaction
/// is sent, and the documents recorded Revoked, by <see cref="SendRevocations"/> where issuance runs — the one process
/// that writes with the service's account (on Kubernetes documents-worker). This handler only reads the chain (whether
/// the hash is revoked already). The notice itself stays here, where verifiers read it back against the hash the chain records.
/// </summary>
public sealed class AskRevocation(DocumentsDbContext db, DocumentStoreClient store, TimeProvider clock)
{
    /// <returns>The document with its revocation asked (or recorded already: a request repeated after it went through).</returns>
    public Task<Outcome<TradeDocument>> HandleAsync(AskRevocationCommand command, Caller caller, CancellationToken ct) => HandleAsync(command, caller, 1, ct);

    private async Task<Outcome<TradeDocument>> HandleAsync(AskRevocationCommand command, Caller caller, int attempt, CancellationToken ct)
    {
        var document = await db.Documents.SingleOrDefaultAsync(d => d.Id == command.DocumentId, ct);
        // Only the issuing party may revoke its documents; to others the document does not exist.
        if (document is null || !document.BelongsTo(caller.Party)) return new NotFound("document", command.DocumentId.ToString());
        // The same request again after it was recorded: that revocation (a client retrying after a lost answer).
        if (document.Status == DocumentStatus.Revoked)
            return document.RevocationScope == command.Scope && document.RevocationReason == command.Reason ? document
                : throw new DomainRuleViolation("already-revoked",
                    $"The document was revoked ({document.RevocationScope}) in transaction {document.RevocationTransactionHash} with another notice: \"{document.RevocationReason}\".");
        document.RequireRevocable();
        if (document.RevocationPending)
        {
            document.RequestRevocation(command.Scope, command.Reason, caller.Actor, clock.GetUtcNow()); // the same request, or refused
            return document;
        }
        // One revocation on chain at a time for a batch's hashes: a batch's root asked while a document of it waits for its
        // own (or its root), or a document asked while its batch's root waits, would be recorded with another's reason.
        // (Pending: its time of asking set, which only a pending revocation has — no status named, see SendRevocations.Asked.)
        if (document.BatchId is { } batch && await BatchRevocationsAsked(db, batch, document.Id, command.Scope).FirstOrDefaultAsync(ct) is var other && other != Guid.Empty)
            throw new DomainRuleViolation("revocation-pending",
                $"A revocation of this document's batch, or of a document of it, is being sent to the chain (asked on document {other}): follow that one, and ask again once it is recorded if this is still needed.");

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

    /// <summary>
    /// The other documents of <paramref name="batch"/> whose revocation is pending and would clash with one of
    /// <paramref name="scope"/> (a batch's root and any of its documents: one at a time), found by the batch's index.
    /// </summary>
    public static IQueryable<Guid> BatchRevocationsAsked(DocumentsDbContext db, Guid batch, Guid except, string scope) =>
        db.Documents.AsNoTracking()
            .Where(d => d.BatchId == batch && d.Id != except && d.RevocationRequestedAtUnixMs != null)
            .Where(d => scope == "batch" || d.RevocationScope == "batch")
            .Select(d => d.Id);
}

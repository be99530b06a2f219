using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Ledger;

namespace TradeChain.Documents.Application;

/// <summary>Revoke one document ("document") or every document issued in its Merkle tree ("batch"), with a reason.</summary>
public sealed record RevokeDocumentCommand(Guid DocumentId, string Reason, string Scope);

/// <summary>What was revoked on chain, and the documents now Revoked.</summary>
public sealed record DocumentRevocation(string RevokedHash, string Scope, string Reason, string TransactionHash, long BlockNumber,
    IReadOnlyList<TradeDocument> Documents);

/// <summary>
/// Revoking: the issuing party revokes the document's targetHash (or its batch's root) on the document store with the
/// hash of its reason; the notice itself stays here, where verifiers read it back against that hash.
/// </summary>
public sealed class RevokeDocument(DocumentsDbContext db, DocumentStoreClient store, TimeProvider clock)
{
    public async Task<Outcome<DocumentRevocation>> HandleAsync(RevokeDocumentCommand command, Caller caller, CancellationToken ct)
    {
        var document = await db.Documents.SingleOrDefaultAsync(d => d.Id == command.DocumentId, ct);
        // Only the issuing party may revoke its documents; to others the document does not exist.
        if (document is null || !document.BelongsTo(caller.Party)) return new NotFound("document", command.DocumentId.ToString());
        document.RequireRevocable();

        var affected = command.Scope == "batch"
            ? await db.Documents.Where(d => d.BatchId == document.BatchId && d.Status == DocumentStatus.Issued).ToListAsync(ct)
            : [document];
        var hash = command.Scope == "batch" ? document.MerkleRoot! : document.TargetHash;
        var reasonHash = DocumentVerifier.ReasonHash(command.Reason);
        if (await store.FindRevocationAsync(store.ContractAddress, Convert.FromHexString(hash)) is { } earlier)
            TradeDocument.RequireSameRevocation(hash, earlier.TransactionHash, earlier.ReasonHash, "0x" + reasonHash);
        var receipt = await store.RevokeWithReasonAsync(Convert.FromHexString(hash), Convert.FromHexString(reasonHash), ct);
        var now = clock.GetUtcNow();
        foreach (var d in affected) d.MarkRevoked(command.Scope, command.Reason, receipt.TransactionHash, receipt.BlockNumber, caller.Actor, now);
        await db.SaveChangesAsync(ct);
        return new DocumentRevocation(hash, command.Scope, command.Reason, receipt.TransactionHash, receipt.BlockNumber, affected);
    }
}

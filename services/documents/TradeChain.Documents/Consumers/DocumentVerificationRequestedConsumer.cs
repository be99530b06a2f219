using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;
using TradeChain.Ledger.Merkle;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Documents.Consumers;

/// <summary>Thrown while a referenced document waits for issuance: the bus retries the message later.</summary>
public sealed class DocumentsNotYetIssuedException(IEnumerable<string> hashes)
    : Exception($"Documents not yet issued on chain: {string.Join(", ", hashes)}");

/// <summary>
/// Verifies the documents a declaration references: known here, submitted by the declarant, issued on the
/// document store and not revoked — each checked against the chain, not only the database.
/// </summary>
public sealed class DocumentVerificationRequestedConsumer(DocumentsDbContext db, DocumentStoreClient store, ILogger<DocumentVerificationRequestedConsumer> logger)
    : IdempotentConsumer<DocumentVerificationRequested>(db, logger)
{
    protected override async Task HandleAsync(DocumentVerificationRequested message, CancellationToken cancellationToken)
    {
        var hashes = message.DocumentHashes.Select(h => h.ToLowerInvariant()).ToList();
        var documents = await db.Documents.AsNoTracking().Where(d => hashes.Contains(d.Hash)).ToDictionaryAsync(d => d.Hash, cancellationToken);
        var waiting = documents.Values.Where(d => d.Status == DocumentStatus.Submitted && d.OwnerParty == message.DeclarantParty).Select(d => d.Hash).ToList();
        if (waiting.Count > 0) throw new DocumentsNotYetIssuedException(waiting);

        var verdicts = new List<DocumentVerdict>();
        foreach (var hash in hashes)
        {
            verdicts.Add(await VerifyAsync(hash, documents.GetValueOrDefault(hash), message.DeclarantParty));
        }
        db.Publish(new DocumentVerificationCompleted(message.DeclarationId, verdicts.All(v => v.Valid), verdicts));
    }

    private async Task<DocumentVerdict> VerifyAsync(string hash, TradeDocument? document, string declarant)
    {
        if (!Hex.IsHash32(hash)) return new DocumentVerdict(hash, false, null, "not a 32-byte document hash");
        if (document is null) return new DocumentVerdict(hash, false, null, "unknown: no document with this hash was submitted to TradeChain");
        if (document.OwnerParty != declarant)
            return new DocumentVerdict(hash, false, document.DocumentType, "not the declarant's: the document was submitted by another party");
        if (DocumentHashing.HashOf(document.CanonicalJson) != document.Hash)
            return new DocumentVerdict(hash, false, document.DocumentType, "tampered: the stored content no longer matches its hash");
        var status = await store.GetStatusAsync(Hex.Decode(hash));
        if (status.Revoked)
            return new DocumentVerdict(hash, false, document.DocumentType, $"revoked on document store {store.ContractAddress} in block {status.RevokedInBlock}");
        if (!status.Issued)
            return new DocumentVerdict(hash, false, document.DocumentType, $"not issued on document store {store.ContractAddress}");
        return new DocumentVerdict(hash, true, document.DocumentType, $"issued on document store {store.ContractAddress} in block {status.IssuedInBlock}, not revoked");
    }
}

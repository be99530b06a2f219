using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Ledger;
using TradeChain.Ledger.Merkle;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Documents.Consumers;

/// <summary>Thrown while a referenced document waits for issuance, or its status cannot be read: the bus retries the message later.</summary>
public sealed class DocumentsNotYetIssuedException(IEnumerable<string> hashes)
    : Exception($"Documents not yet verifiable on chain: {string.Join(", ", hashes)}");

/// <summary>
/// Verifies the documents a declaration (or a credit presentation) references by hash: each must be known here,
/// belong to the party presenting it, and pass the same verification as POST /documents/verify — integrity,
/// issuance, revocation and issuer identity, each checked against the chain.
/// </summary>
public sealed class DocumentVerificationRequestedConsumer(DocumentsDbContext db, DocumentVerifier verifier, TitleRegistryClient titles, PartyWallets wallets,
    ILogger<DocumentVerificationRequestedConsumer> logger)
    : IdempotentConsumer<DocumentVerificationRequested>(db, logger)
{
    protected override async Task HandleAsync(DocumentVerificationRequested message, CancellationToken cancellationToken)
    {
        var hashes = message.DocumentHashes.Select(h => h.ToLowerInvariant()).ToList();
        var documents = await db.Documents.AsNoTracking().Where(d => hashes.Contains(d.Hash)).ToDictionaryAsync(d => d.Hash, cancellationToken);
        var waiting = documents.Values.Where(d => d.Status == DocumentStatus.Submitted && d.OwnerParty == message.PresenterParty).Select(d => d.Hash).ToList();
        if (waiting.Count > 0) throw new DocumentsNotYetIssuedException(waiting);

        var verdicts = new List<DocumentVerdict>();
        foreach (var hash in hashes)
        {
            var verdict = await VerifyAsync(hash, documents.GetValueOrDefault(hash), message.PresenterParty, cancellationToken);
            if (verdict.Valid && message.RequestedBy == DocumentVerificationRequested.Payments && documents.GetValueOrDefault(hash) is { IsTransferable: true } bill)
                verdict = await RequireHolderAsync(verdict, bill, message.PresenterParty);
            if (message.IncludeContent && documents.GetValueOrDefault(hash) is { } document && document.OwnerParty == message.PresenterParty)
                verdict = verdict with { ContentJson = OpenAttestationV2.Unsalt(document.Data)!.ToJsonString() };
            verdicts.Add(verdict);
        }
        db.Publish(new DocumentVerificationCompleted(message.SubjectId, verdicts.All(v => v.Valid), verdicts, message.RequestedBy));
    }

    /// <summary>
    /// A bill of lading presented for payment must be in the presenter's exclusive control: the presenter holds the
    /// title (MLETR). An exporter that endorsed or handed it on cannot be paid against it.
    /// </summary>
    private async Task<DocumentVerdict> RequireHolderAsync(DocumentVerdict verdict, TradeDocument bill, string presenter)
    {
        var title = await titles.GetAsync(Convert.FromHexString(bill.MerkleRoot!));
        var mine = wallets.HasAccount(presenter) ? wallets.AddressOf(presenter) : "";
        return string.Equals(title.Holder, mine, StringComparison.OrdinalIgnoreCase)
            ? verdict
            : verdict with { Valid = false, Reason = $"not in the presenter's control: {presenter} is not the holder of this bill of lading's title (the holder is {title.Holder})" };
    }

    private async Task<DocumentVerdict> VerifyAsync(string hash, TradeDocument? document, string declarant, CancellationToken cancellationToken)
    {
        if (!Hex.IsHash32(hash)) return new DocumentVerdict(hash, false, null, "not a 32-byte document hash");
        if (document is null) return new DocumentVerdict(hash, false, null, "unknown: no document with this targetHash was issued through TradeChain");
        if (document.OwnerParty != declarant)
            return new DocumentVerdict(hash, false, document.DocumentType, "not the declarant's: the document was issued by another party");
        var report = await verifier.VerifyAsync(document.Wrapped!, cancellationToken);
        // The chain could not be read: no verdict yet. Throwing lets the bus retry rather than fail a declaration for an outage.
        if (report.Checks.Any(c => c.Status == CheckStatus.Error)) throw new DocumentsNotYetIssuedException([$"{hash} (chain unreachable: {report.Summary})"]);
        return new DocumentVerdict(hash, report.Valid, document.DocumentType, report.Summary,
            report.Checks.Select(c => new DocumentCheck(c.Name, c.Status, c.Reason)).ToList());
    }
}

using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Domain.Hashing;
using TradeChain.Messages;

namespace TradeChain.Documents.Application;

/// <summary>Thrown while a referenced document waits for issuance, or the chain cannot be read to verify it: the bus asks again later.</summary>
public sealed class DocumentsNotYetVerifiableException(IEnumerable<string> hashes)
    : Exception($"Documents not yet verifiable on chain: {string.Join(", ", hashes)}");

/// <summary>Whether a party holds a bill of lading's title now, and who does.</summary>
public sealed record TitleHolding(bool HeldByParty, string Holder);

/// <summary>What verifying a referenced document asks of the chain (<see cref="LedgerDocumentChecks"/> answers it).</summary>
public interface IDocumentChecks
{
    /// <summary>
    /// The same verification as POST /documents/verify: integrity, issuance, revocation and issuer identity; the chain's
    /// head from a read begun at or after <paramref name="headReadNotBefore"/> (a
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> value), so the documents of one request share one read.
    /// </summary>
    Task<VerificationReport> VerifyAsync(JsonObject wrapped, long headReadNotBefore, CancellationToken ct);

    /// <summary>Who holds the title whose token id is <paramref name="merkleRoot"/>, and whether it is <paramref name="party"/>'s account.</summary>
    Task<TitleHolding> HoldingAsync(string merkleRoot, string party, CancellationToken ct);
}

/// <summary>
/// Verifying the documents another service references by hash: each must be known here, be the requesting party's own,
/// and pass the same checks as POST /documents/verify, against the chain. Customs asks for a declaration's documents;
/// payments for a presentation's, where a bill of lading must also be in the presenter's control and each verdict
/// carries the document's data for the bank's examination. Nothing changes state: the answer is the reply.
/// </summary>
public sealed class VerifyReferencedDocuments(DocumentsDbContext db, IDocumentChecks checks, TimeProvider clock)
{
    public async Task<DeclarationDocumentsVerified> ForDeclarationAsync(DeclarationDocumentsVerificationRequested request, CancellationToken ct)
    {
        var verdicts = await VerdictsAsync(request.DocumentHashes, request.DeclarantParty, presentation: false, ct);
        await RecordReferencesAsync(request, ct);
        return new DeclarationDocumentsVerified(request.DeclarationId, verdicts.All(v => v.Valid), verdicts);
    }

    /// <summary>
    /// The declaration references these documents of its declarant's: from now on customs officers may read them. Only
    /// the declarant's own documents count — naming another party's hash shows officers nothing. Saved with the reply
    /// (and the inbox row), so a redelivered request records nothing twice.
    /// </summary>
    private async Task RecordReferencesAsync(DeclarationDocumentsVerificationRequested request, CancellationToken ct)
    {
        var hashes = request.DocumentHashes.Select(h => h.ToLowerInvariant()).ToList();
        var documents = await db.Documents.AsNoTracking().Where(d => hashes.Contains(d.Hash) && d.OwnerParty == request.DeclarantParty)
            .Select(d => d.Id).ToListAsync(ct);
        var recorded = await db.DeclarationReferences.Where(r => r.DeclarationId == request.DeclarationId).Select(r => r.DocumentId).ToListAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var id in documents.Except(recorded))
            db.DeclarationReferences.Add(new DeclarationReference { DocumentId = id, DeclarationId = request.DeclarationId, RecordedAtUnixMs = now });
    }

    public async Task<PresentationDocumentsVerified> ForPresentationAsync(PresentationDocumentsVerificationRequested request, CancellationToken ct)
    {
        var verdicts = await VerdictsAsync(request.DocumentHashes, request.PresenterParty, presentation: true, ct);
        return new PresentationDocumentsVerified(request.PresentationId, verdicts.All(v => v.Valid), verdicts);
    }

    private async Task<IReadOnlyList<DocumentVerdict>> VerdictsAsync(IReadOnlyList<string> requested, string party, bool presentation, CancellationToken ct)
    {
        var hashes = requested.Select(h => h.ToLowerInvariant()).ToList();
        var documents = await db.Documents.AsNoTracking().Where(d => hashes.Contains(d.Hash)).ToDictionaryAsync(d => d.Hash, ct);
        var waiting = documents.Values.Where(d => d.Status == DocumentStatus.Submitted && d.BelongsTo(party)).Select(d => d.Hash).ToList();
        if (waiting.Count > 0) throw new DocumentsNotYetVerifiableException(waiting);
        // Taken after the documents were read: a head read begun from now on covers the block each was issued in (it was
        // recorded Issued only once mined — by whichever process — and its receipt came from the same node this reads), so
        // the documents verified below share one read of the chain's head. Taken before the read, a document recorded
        // Issued in between could be checked against an older head and be answered "not issued".
        var headReadNotBefore = System.Diagnostics.Stopwatch.GetTimestamp();

        var verdicts = new List<DocumentVerdict>();
        foreach (var hash in hashes)
        {
            var document = documents.GetValueOrDefault(hash);
            if (!Hex.IsHash32(hash)) verdicts.Add(new DocumentVerdict(hash, false, null, "not a 32-byte document hash"));
            // Another party's document is answered as one that does not exist: neither its type nor that it exists is the requester's business.
            else if (document is null || !document.BelongsTo(party))
                verdicts.Add(new DocumentVerdict(hash, false, null, $"unknown: no document with this targetHash was issued through TradeChain by {party}"));
            else if (presentation) verdicts.Add(await PresentedAsync(await VerifyAsync(document, headReadNotBefore, ct), document, party, ct));
            else verdicts.Add(await VerifyAsync(document, headReadNotBefore, ct));
        }
        return verdicts;
    }

    /// <summary>
    /// A bill of lading presented for payment must be in the presenter's exclusive control: the presenter holds the
    /// title (MLETR); an exporter that endorsed or handed it on cannot be paid against it. The bank examines the
    /// documents' data, so each of the presenter's documents carries it.
    /// </summary>
    private async Task<DocumentVerdict> PresentedAsync(DocumentVerdict verdict, TradeDocument document, string presenter, CancellationToken ct)
    {
        if (verdict.Valid && document.IsTransferable && await checks.HoldingAsync(document.MerkleRoot!, presenter, ct) is { HeldByParty: false } holding)
            verdict = verdict with
            {
                Valid = false,
                Reason = $"not in the presenter's control: {presenter} is not the holder of this bill of lading's title (the holder is {holding.Holder})",
            };
        return verdict with { ContentJson = OpenAttestationV2.Unsalt(document.Data)!.ToJsonString() };
    }

    private async Task<DocumentVerdict> VerifyAsync(TradeDocument document, long headReadNotBefore, CancellationToken ct)
    {
        var report = await checks.VerifyAsync(document.Wrapped!, headReadNotBefore, ct);
        // The chain could not be read: no verdict yet. Throwing lets the bus retry rather than fail a declaration for an outage.
        if (report.Checks.Any(c => c.Status == CheckStatus.Error)) throw new DocumentsNotYetVerifiableException([$"{document.Hash} (chain unreachable: {report.Summary})"]);
        return new DocumentVerdict(document.Hash, report.Valid, document.DocumentType, report.Summary,
            report.Checks.Select(c => new DocumentCheck(c.Name, c.Status, c.Reason)).ToList());
    }
}

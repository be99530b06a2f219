using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;

namespace TradeChain.Documents.Application;

/// <summary>What the public learns of a presented document: its data as a person reads it (salts removed) and which fields are hidden.</summary>
/// <param name="Type">The document type its template names (a TradeChain schema at /public/schemas/{type} when known).</param>
/// <param name="HiddenFieldCount">How many fields the copy hides (privacy.obfuscatedData).</param>
/// <param name="HiddenFields">
/// The dotted paths of the hidden fields — the labels of a redacted paper, not its values — named only when the copy's
/// integrity holds and TradeChain issued it; otherwise null.
/// </param>
public sealed record PresentedDocumentView(string? Type, JsonNode? Data, int HiddenFieldCount, IReadOnlyList<string>? HiddenFields);

/// <summary>The public verdict: the four checks with their reasons, the document as presented, and for a bill of lading its title.</summary>
public sealed record PublicVerificationView(bool Valid, string Summary, string? TargetHash, string? MerkleRoot, IReadOnlyList<VerificationCheck> Checks,
    PresentedDocumentView? Document, TitleStanding? Title);

/// <summary>
/// Verifying a wrapped OpenAttestation v2 document someone holds: integrity, issuance, revocation and issuer identity,
/// each with its reason (<see cref="DocumentVerifier"/>). A signed-in party gets the report; anyone else — no sign-in —
/// only what the holder of the file may learn (<see cref="VerificationAudience.Public"/>): never another document's
/// fields, a revocation notice only for a genuine document, a title's parties only for a genuine bill of lading.
/// </summary>
public sealed class VerifyDocument(DocumentVerifier verifier, DocumentsDbContext db, ReadTitles titles)
{
    public Task<VerificationReport> ForPartyAsync(JsonObject wrapped, CancellationToken ct) => verifier.VerifyAsync(wrapped, ct);

    public async Task<PublicVerificationView> ForPublicAsync(JsonObject wrapped, CancellationToken ct)
    {
        var report = await verifier.VerifyAsync(wrapped, ct, VerificationAudience.Public);
        var genuine = report.Check(DocumentVerifier.Integrity).Status == CheckStatus.Valid;
        var document = await PresentedAsync(wrapped, genuine, ct);
        TitleStanding? standing = null;
        if (genuine && report.MerkleRoot is not null && NamesTitleRegistry(report, titles.Registry))
            standing = await titles.StandingAsync(Convert.FromHexString(report.MerkleRoot), ct);
        return new PublicVerificationView(report.Valid, report.Summary, report.TargetHash, report.MerkleRoot, report.Checks, document, standing);
    }

    private async Task<PresentedDocumentView?> PresentedAsync(JsonObject wrapped, bool genuine, CancellationToken ct)
    {
        if (wrapped["data"] is not JsonObject data) return null;
        var readable = OpenAttestationV2.Unsalt(data);
        var hidden = ((wrapped["privacy"] as JsonObject)?["obfuscatedData"] as JsonArray)?.Select(h => h?.ToString().ToLowerInvariant() ?? "").ToHashSet(StringComparer.Ordinal) ?? [];
        IReadOnlyList<string>? hiddenFields = null;
        if (genuine && hidden.Count > 0 && wrapped["signature"]?["targetHash"]?.ToString() is { } targetHash)
        {
            var original = await db.Documents.AsNoTracking().Where(d => d.Hash == "0x" + targetHash.ToLowerInvariant()).Select(d => d.Data).SingleOrDefaultAsync(ct);
            if (original is not null)
                hiddenFields = OpenAttestationV2.Flatten(original).Where(p => hidden.Contains(OpenAttestationV2.LeafHash(p.Key, p.Value)))
                    .Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        }
        return new PresentedDocumentView(((readable as JsonObject)?["$template"] as JsonObject)?["name"] is JsonValue name ? name.ToString() : null, readable, hidden.Count, hiddenFields);
    }

    private static bool NamesTitleRegistry(VerificationReport report, string registry) =>
        report.Check(DocumentVerifier.Issuance).Details?["issuers"] is JsonArray issuers
        && issuers.Any(i => string.Equals(i?["tokenRegistry"]?.ToString(), registry, StringComparison.OrdinalIgnoreCase));
}

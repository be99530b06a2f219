using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Infrastructure;

namespace TradeChain.Documents.Application;

/// <summary>
/// Selective disclosure: the issuing party hands out a copy of its document with chosen fields hidden (OpenAttestation
/// obfuscation, <see cref="Domain.TradeDocument.Disclose"/>); the copy still verifies, and shows only the hidden fields' hashes.
/// </summary>
public sealed class DiscloseDocument(DocumentsDbContext db)
{
    public async Task<Outcome<JsonObject>> HandleAsync(Guid id, IReadOnlyList<string?> hide, Caller caller, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (document is null || !document.BelongsTo(caller.Party)) return new NotFound("document", id.ToString());
        var disclosure = document.Disclose(hide);
        return disclosure.Copy is { } copy ? copy : new Invalid(disclosure.Problems);
    }
}

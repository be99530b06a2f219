using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Transitions;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Application;

/// <summary>
/// Reading documents as the caller may (<see cref="TradeDocument.IsVisibleTo"/>): a party its own, a customs officer
/// those that declarations reference. Another party's document is not found, never forbidden — its existence is not told.
/// </summary>
public sealed class ReadDocuments(DocumentsDbContext db, TransitionHistory history)
{
    public async Task<Outcome<TradeDocument>> FindAsync(Guid id, Caller caller, CancellationToken ct)
    {
        var document = await ById(db, id, ct);
        return document is not null && document.IsVisibleTo(caller.Party, caller.IsCustomsOfficer,
                caller.IsCustomsOfficer && await db.IsReferencedByDeclarationAsync(id, ct))
            ? document
            : new NotFound("document", id.ToString());
    }

    /// <summary>
    /// The document's version alone if <paramref name="caller"/> may see it (as <see cref="FindAsync"/> decides), else
    /// null: what a long-poll reads while it waits, instead of the whole document with its content.
    /// </summary>
    public async Task<int?> VisibleVersionOfAsync(Guid id, Caller caller, CancellationToken ct)
    {
        var found = await VersionOf(db, id, ct);
        return found is not null && TradeDocument.IsVisible(found.OwnerParty, caller.Party, caller.IsCustomsOfficer,
            caller.IsCustomsOfficer && await db.IsReferencedByDeclarationAsync(id, ct)) ? found.Version : null;
    }

    // Compiled queries: the reads a document's follow makes. See CompiledQuery.
    private static readonly Func<DocumentsDbContext, Guid, CancellationToken, Task<TradeDocument?>> ById =
        CompiledQuery.PerModel((DocumentsDbContext db, Guid id, CancellationToken ct) => db.Documents.AsNoTracking().SingleOrDefault(d => d.Id == id));

    private static readonly Func<DocumentsDbContext, Guid, CancellationToken, Task<VersionAndOwner?>> VersionOf =
        CompiledQuery.PerModel((DocumentsDbContext db, Guid id, CancellationToken ct) =>
            db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => new VersionAndOwner(d.Version, d.OwnerParty)).SingleOrDefault());

    private sealed record VersionAndOwner(int Version, string OwnerParty);

    /// <summary>The caller's documents (for a customs officer, those declarations reference), newest first, optionally of one type.</summary>
    public async Task<PagedResult<TradeDocument>> ListAsync(Caller caller, int? page, int? pageSize, string? type, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.Documents.AsNoTracking();
        query = caller.IsCustomsOfficer
            ? query.Where(d => d.OwnerParty == caller.Party || db.DeclarationReferences.Any(r => r.DocumentId == d.Id))
            : query.Where(d => d.OwnerParty == caller.Party);
        if (type is not null) query = query.Where(d => d.DocumentType == type);
        var total = await query.CountAsync(ct);
        // Ties (a batch's documents share their moment) in one order: the same page reads the same each time (its ETag).
        var items = await query.OrderByDescending(d => d.SubmittedAtUnixMs).ThenBy(d => d.Id).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return new PagedResult<TradeDocument>(items, number, size, total);
    }

    /// <summary>The wrapped OpenAttestation document (a .tt file), once issued.</summary>
    public async Task<Outcome<JsonObject>> WrappedAsync(Guid id, Caller caller, CancellationToken ct)
    {
        var found = await FindAsync(id, caller, ct);
        return found.Value is { } document ? document.WrappedCopy() : found.Refusal!;
    }

    /// <summary>The document's transitions with their Merkle proofs and on-chain anchoring.</summary>
    public async Task<Outcome<HistoryView>> HistoryAsync(Guid id, Caller caller, CancellationToken ct)
    {
        var found = await FindAsync(id, caller, ct);
        return found.Value is { } document ? await history.GetAsync(document.AggregateType, document.AggregateKey, ct) : found.Refusal!;
    }
}

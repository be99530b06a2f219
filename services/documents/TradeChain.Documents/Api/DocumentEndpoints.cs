using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Documents.Api;

public sealed record SubmitDocumentRequest(string? Type, JsonObject? Content);

public sealed record DocumentView(Guid Id, string Type, string OwnerParty, string Hash, string Status, string? IssueTransactionHash,
    long? IssuedInBlock, string DocumentStore, long SubmittedAtUnixMs, JsonNode? Document)
{
    public static DocumentView From(TradeDocument d, string store) => new(d.Id, d.DocumentType, d.OwnerParty, d.Hash, d.Status.ToString(),
        d.IssueTransactionHash, d.IssuedInBlock, store, d.SubmittedAtUnixMs, JsonNode.Parse(d.CanonicalJson));
}

public static class DocumentEndpoints
{
    public static IEndpointRouteBuilder MapDocuments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/documents").WithTags("documents");
        group.MapPost("/", SubmitAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Submits a trade document: stored, hashed and queued for issuance on the document store (202; poll until Issued).");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).WithSummary("Lists documents (an exporter sees only its own).");
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.AnyParty);
        group.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The document's transitions with their Merkle proofs and on-chain anchoring.");
        return app;
    }

    private static async Task<IResult> SubmitAsync(SubmitDocumentRequest request, ClaimsPrincipal user, DocumentsDbContext db,
        TradeChain.Ledger.ChainOptions chain, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (request.Type is null || !DocumentTypes.RequiredFields.TryGetValue(request.Type, out var required))
        {
            errors.Add(("type", $"must be one of {string.Join(", ", DocumentTypes.RequiredFields.Keys)}"));
            required = [];
        }
        if (request.Content is null) errors.Add(("content", "is required: a JSON object with the document's fields"));
        else
        {
            foreach (var field in required)
            {
                if (request.Content[field] is not JsonValue value || string.IsNullOrWhiteSpace(value.ToString()))
                    errors.Add(($"content.{field}", $"is required for a {request.Type}"));
            }
        }
        if (errors.Count > 0) return Problems.Validation(errors);

        var party = user.Party();
        var (canonical, hash) = DocumentHashing.Canonicalise(request.Type!, party, request.Content!, Guid.NewGuid());
        var document = TradeDocument.Submit(Guid.NewGuid(), request.Type!, party, canonical, hash, user.Actor(), clock.GetUtcNow());
        db.Documents.Add(document);
        await db.SaveChangesAsync(ct);
        return Results.Accepted($"/documents/{document.Id}", DocumentView.From(document, chain.DocumentStoreAddress));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, DocumentsDbContext db, TradeChain.Ledger.ChainOptions chain, int? page, int? pageSize, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.Documents.AsNoTracking();
        if (user.IsInRole(Roles.Exporter)) { var party = user.Party(); query = query.Where(d => d.OwnerParty == party); }
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(d => d.SubmittedAtUnixMs).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return Results.Ok(new PagedResult<DocumentView>(items.Select(d => DocumentView.From(d, chain.DocumentStoreAddress)).ToList(), number, size, total));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, DocumentsDbContext db, TradeChain.Ledger.ChainOptions chain, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        return document is null || !user.MaySee(document.OwnerParty)
            ? Problems.NotFound("document", id.ToString())
            : Results.Ok(DocumentView.From(document, chain.DocumentStoreAddress));
    }

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, DocumentsDbContext db, TransitionHistory history, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        return document is null || !user.MaySee(document.OwnerParty)
            ? Problems.NotFound("document", id.ToString())
            : Results.Ok(await history.GetAsync(document.AggregateType, document.AggregateKey, ct));
    }
}

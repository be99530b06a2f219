using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Documents.Api;

/// <summary>
/// A document to issue. <paramref name="Transferable"/> (bills of lading only; default true for them) issues it as a
/// transferable record whose title goes to <paramref name="Beneficiary"/> and <paramref name="Holder"/> (parties;
/// default the submitter).
/// </summary>
public sealed record SubmitDocumentRequest(string? Type, JsonObject? Content, bool? Transferable = null, string? Beneficiary = null, string? Holder = null);

public sealed record RevokeRequest(string? Reason, string? Scope);

public sealed record DisclosureRequest(IReadOnlyList<string>? Hide);

public sealed record RevocationView(string Scope, string Reason, string? TransactionHash, long? BlockNumber, long? RevokedAtUnixMs);

public sealed record DocumentView(Guid Id, string Type, string OwnerParty, string Hash, string TargetHash, string Status, bool Transferable,
    string? DocumentStore, string? TokenRegistry, string? MerkleRoot, string? IssueTransactionHash, long? IssuedInBlock, long SubmittedAtUnixMs,
    JsonNode? Content, JsonObject? Wrapped, RevocationView? Revocation)
{
    public static DocumentView From(TradeDocument d, ChainOptions chain) => new(d.Id, d.DocumentType, d.OwnerParty, d.Hash, d.TargetHash,
        d.Status.ToString(), d.IsTransferable,
        d.IsTransferable ? null : chain.DocumentStoreAddress, d.IsTransferable ? chain.TitleRegistryAddress : null,
        d.MerkleRoot, d.IssueTransactionHash, d.IssuedInBlock, d.SubmittedAtUnixMs, OpenAttestationV2.Unsalt(d.Data), d.Wrapped,
        d.Status == DocumentStatus.Revoked
            ? new RevocationView(d.RevocationScope!, d.RevocationReason!, d.RevocationTransactionHash, d.RevokedInBlock, d.RevokedAtUnixMs)
            : null);
}

public static class DocumentEndpoints
{
    /// <summary>
    /// A document's content is its issuer's: customs officers see the documents declarants present to them; banks and
    /// other parties receive a document's data only when it is presented to them (a credit presentation, over the bus)
    /// or as a disclosed copy — never by browsing, which would defeat selective disclosure.
    /// </summary>
    public static bool MayRead(ClaimsPrincipal user, string ownerParty) =>
        user.IsInRole(Roles.CustomsOfficer) || string.Equals(user.FindFirst(Claims.Party)?.Value, ownerParty, StringComparison.Ordinal);

    private const string RendererUrl = "https://renderer.tradechain.example";

    public static IEndpointRouteBuilder MapDocuments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/documents").WithTags("documents");
        group.MapPost("/", SubmitAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Submits a trade document: validated against its schema, wrapped as OpenAttestation v2 and queued for issuance (202; poll until Issued).");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).WithSummary("Lists documents: a party sees the documents it issued; customs officers see all.");
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The document, its status and, once issued, the wrapped OpenAttestation document.");
        group.MapGet("/{id:guid}/wrapped", WrappedAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The wrapped OpenAttestation document (a .tt file) — 409 while it waits for issuance.");
        group.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The document's transitions with their Merkle proofs and on-chain anchoring.");
        group.MapPost("/{id:guid}/revoke", RevokeAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Revokes the document (scope \"document\") or its whole batch (scope \"batch\") on the document store, with a reason.");
        group.MapPost("/{id:guid}/disclosures", DiscloseAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("A copy with the chosen fields hidden (OpenAttestation obfuscation) that still verifies.");
        group.MapPost("/verify", VerifyAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("Verifies a wrapped OpenAttestation v2 document: integrity, issuance, revocation and issuer identity, each with its reason.");
        group.MapGet("/schemas", () => Results.Ok(DocumentSchemas.Types.Order(StringComparer.Ordinal))).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The document types TradeChain issues.");
        group.MapGet("/schemas/{type}", Schema)
            .RequireAuthorization(Policies.AnyParty).WithSummary("The JSON Schema of a document type.");
        app.MapGet("/issuers", (IssuerRegistry registry) => Results.Ok(registry.All)).RequireAuthorization(Policies.AnyParty).WithTags("documents")
            .WithSummary("TradeChain's issuer registry: the document stores and title registries whose issuers it knows.");
        return app;
    }

    /// <summary>The JSON Schema of a document type, as published (also to the public verifier).</summary>
    internal static IResult Schema(string type) => DocumentSchemas.Text(type) is { } text
        ? Results.Text(text, "application/schema+json")
        : Problems.NotFound("document schema", type);

    private static async Task<IResult> SubmitAsync(SubmitDocumentRequest request, ClaimsPrincipal user, DocumentsDbContext db, ChainOptions chain,
        IssuerRegistry registry, PartyDirectory parties, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        if (!DocumentSchemas.IsKnown(request.Type)) errors.Add(("type", $"must be one of {string.Join(", ", DocumentSchemas.Types.Order(StringComparer.Ordinal))}"));
        if (request.Content is null) errors.Add(("content", "is required: a JSON object with the document's fields"));
        else if (DocumentSchemas.IsKnown(request.Type))
            errors.AddRange(DocumentSchemas.Validate(request.Type!, request.Content).Select(e => (e.Field, e.Rule)));
        var transferable = request.Transferable ?? request.Type == "bill-of-lading";
        if (transferable && request.Type != "bill-of-lading")
            errors.Add(("transferable", "only a bill-of-lading can be issued as a transferable record"));
        if (!transferable && (request.Beneficiary is not null || request.Holder is not null))
            errors.Add((request.Beneficiary is not null ? "beneficiary" : "holder", "applies only to a transferable bill of lading"));
        foreach (var (field, party) in new[] { ("beneficiary", request.Beneficiary), ("holder", request.Holder) })
        {
            if (party is not null && (party.Length is 0 or > 64 || !parties.Wallets.HasAccount(party)))
                errors.Add((field, $"must name a party with a chain account (\"{party}\" has none)"));
        }
        if (transferable && !parties.Wallets.HasAccount(user.Party()))
            errors.Add(("transferable", $"your party {user.Party()} has no chain account to hold the title"));
        if (errors.Count > 0) return Problems.Validation(errors);

        var owner = user.Party();
        var data = (JsonObject)request.Content!.DeepClone();
        data["$template"] = new JsonObject { ["name"] = request.Type, ["type"] = "EMBEDDED_RENDERER", ["url"] = RendererUrl };
        var issuer = new JsonObject { ["name"] = owner };
        if (transferable) issuer["tokenRegistry"] = chain.TitleRegistryAddress;
        else issuer["documentStore"] = chain.DocumentStoreAddress;
        issuer["identityProof"] = new JsonObject { ["type"] = "DNS-TXT", ["location"] = registry.OwnDomain };
        data["issuers"] = new JsonArray(issuer);
        if (transferable)
        {
            // Resolve (and remember) the title parties' accounts now, so the issuer can mint without surprises.
            await parties.AddressAsync(request.Beneficiary ?? owner, ct);
            await parties.AddressAsync(request.Holder ?? owner, ct);
        }

        var document = TradeDocument.Submit(Guid.NewGuid(), request.Type!, owner, OpenAttestationV2.SaltData(data),
            transferable ? IssuanceMethod.TokenRegistry : IssuanceMethod.DocumentStore,
            transferable ? request.Beneficiary ?? owner : null, transferable ? request.Holder ?? owner : null, user.Actor(), clock.GetUtcNow());
        db.Documents.Add(document);
        await db.SaveChangesAsync(ct);
        return Results.Accepted($"/documents/{document.Id}", DocumentView.From(document, chain));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, DocumentsDbContext db, ChainOptions chain, int? page, int? pageSize, string? type, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.Documents.AsNoTracking();
        if (!user.IsInRole(Roles.CustomsOfficer)) { var party = user.Party(); query = query.Where(d => d.OwnerParty == party); }
        if (type is not null) query = query.Where(d => d.DocumentType == type);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(d => d.SubmittedAtUnixMs).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return Results.Ok(new PagedResult<DocumentView>(items.Select(d => DocumentView.From(d, chain)).ToList(), number, size, total));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, DocumentsDbContext db, ChainOptions chain, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        return document is null || !MayRead(user, document.OwnerParty)
            ? Problems.NotFound("document", id.ToString())
            : Results.Ok(DocumentView.From(document, chain));
    }

    private static async Task<IResult> WrappedAsync(Guid id, ClaimsPrincipal user, DocumentsDbContext db, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (document is null || !MayRead(user, document.OwnerParty)) return Problems.NotFound("document", id.ToString());
        return document.Wrapped is { } wrapped
            ? Results.Text(wrapped.ToJsonString(), "application/json")
            : Problems.Conflict(new TradeChain.Domain.DomainRuleViolation("not-yet-issued",
                $"The document is {document.Status}: it is wrapped and issued with the next batch; poll /documents/{id}."));
    }

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, DocumentsDbContext db, TransitionHistory history, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        return document is null || !MayRead(user, document.OwnerParty)
            ? Problems.NotFound("document", id.ToString())
            : Results.Ok(await history.GetAsync(document.AggregateType, document.AggregateKey, ct));
    }

    private static async Task<IResult> RevokeAsync(Guid id, RevokeRequest request, ClaimsPrincipal user, DocumentsDbContext db, DocumentStoreClient store,
        ChainOptions chain, TimeProvider clock, CancellationToken ct)
    {
        var document = await db.Documents.SingleOrDefaultAsync(d => d.Id == id, ct);
        // Only the issuing party may revoke its documents; to others the document does not exist.
        if (document is null || document.OwnerParty != user.Party()) return Problems.NotFound("document", id.ToString());
        var errors = new List<(string, string)>();
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length is < 3 or > 500) errors.Add(("reason", "is required: 3 to 500 characters saying why the document is revoked"));
        var scope = request.Scope ?? "document";
        if (scope is not ("document" or "batch")) errors.Add(("scope", "must be \"document\" (this document) or \"batch\" (every document issued in its Merkle tree)"));
        if (errors.Count > 0) return Problems.Validation(errors);
        if (document.IsTransferable)
            return Problems.Conflict(new TradeChain.Domain.DomainRuleViolation("transferable-not-revocable",
                "A bill of lading issued as a transferable record is not revoked: its holder surrenders it to the issuer (POST /documents/{id}/title/surrender)."));
        if (document.Status != DocumentStatus.Issued)
            return Problems.Conflict(new TradeChain.Domain.DomainRuleViolation("not-issued",
                $"The document is {document.Status}: only an issued document can be revoked."));

        var affected = scope == "batch"
            ? await db.Documents.Where(d => d.BatchId == document.BatchId && d.Status == DocumentStatus.Issued).ToListAsync(ct)
            : [document];
        var hash = scope == "batch" ? document.MerkleRoot! : document.TargetHash;
        // Revoked on chain already (a retry after a failed save, or revoked outside TradeChain)? Then its reason must be this one.
        if (await store.FindRevocationAsync(store.ContractAddress, Convert.FromHexString(hash)) is { } earlier
            && !string.Equals(earlier.ReasonHash, "0x" + DocumentVerifier.ReasonHash(reason!), StringComparison.OrdinalIgnoreCase))
            return Problems.Conflict(new TradeChain.Domain.DomainRuleViolation("already-revoked",
                $"{hash} was already revoked on chain in transaction {earlier.TransactionHash} with another reason (hash {earlier.ReasonHash ?? "none"})."));
        var receipt = await store.RevokeWithReasonAsync(Convert.FromHexString(hash), Convert.FromHexString(DocumentVerifier.ReasonHash(reason!)), ct);
        var now = clock.GetUtcNow();
        foreach (var d in affected) d.MarkRevoked(scope, reason!, receipt.TransactionHash, receipt.BlockNumber, user.Actor(), now);
        await db.SaveChangesAsync(ct);
        return Results.Ok(new
        {
            revokedHash = hash, scope, reason, transactionHash = receipt.TransactionHash, blockNumber = receipt.BlockNumber,
            documents = affected.Select(d => DocumentView.From(d, chain)).ToList(),
        });
    }

    private static async Task<IResult> DiscloseAsync(Guid id, DisclosureRequest request, ClaimsPrincipal user, DocumentsDbContext db, CancellationToken ct)
    {
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (document is null || document.OwnerParty != user.Party()) return Problems.NotFound("document", id.ToString());
        if (request.Hide is not { Count: > 0 }) return Problems.Validation(("hide", "is required: the dotted paths of the fields to hide, e.g. \"buyer.address\""));
        if (document.Wrapped is not { } wrapped)
            return Problems.Conflict(new TradeChain.Domain.DomainRuleViolation("not-yet-issued", $"The document is {document.Status}: disclose it once issued."));
        var flat = OpenAttestationV2.Flatten(document.Data);
        var errors = new List<(string, string)>();
        for (var i = 0; i < request.Hide.Count; i++)
        {
            var path = request.Hide[i] ?? "";
            if (path.Length == 0) errors.Add(($"hide[{i}]", "must be a dotted field path"));
            else if (path is "issuers" or "$template" || path.StartsWith("issuers.", StringComparison.Ordinal) || path.StartsWith("$template.", StringComparison.Ordinal))
                errors.Add(($"hide[{i}]", $"{path} cannot be hidden: verifiers need the issuer and template to check the document"));
            else if (!flat.Keys.Any(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal)))
                errors.Add(($"hide[{i}]", $"the document has no field {path}"));
        }
        if (errors.Count > 0) return Problems.Validation(errors);
        try
        {
            return Results.Text(OpenAttestationV2.Obfuscate(wrapped, request.Hide).ToJsonString(), "application/json");
        }
        catch (ArgumentException e)
        {
            return Problems.Validation(("hide", e.Message));
        }
    }

    private static async Task<IResult> VerifyAsync(JsonObject? wrapped, DocumentVerifier verifier, CancellationToken ct)
    {
        if (wrapped is null) return Problems.Validation(("body", "is required: a wrapped OpenAttestation v2 document"));
        return Results.Ok(await verifier.VerifyAsync(wrapped, ct));
    }
}

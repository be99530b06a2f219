using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json.Nodes;
using TradeChain.Documents.Application;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Verification;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Documents.Api;

/// <summary>
/// A document to issue. <paramref name="Transferable"/> (bills of lading only; default true for them) issues it as a
/// transferable record whose title goes to <paramref name="Beneficiary"/> and <paramref name="Holder"/> (parties;
/// default the submitter).
/// </summary>
public sealed record SubmitDocumentRequest(string? Type, JsonObject? Content, bool? Transferable = null,
    [property: MaxLength(InputLimits.Party)] string? Beneficiary = null, [property: MaxLength(InputLimits.Party)] string? Holder = null);

public sealed record RevokeRequest([property: MaxLength(InputLimits.Reason)] string? Reason, string? Scope);

public sealed record DisclosureRequest([property: MaxLength(TradeDocument.MaxHiddenFields)] IReadOnlyList<string>? Hide);

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
    public static IEndpointRouteBuilder MapDocuments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/documents").WithTags("documents");
        group.MapPost("/", SubmitAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Submits a trade document: validated against its schema, wrapped as OpenAttestation v2 and queued for issuance (202; poll until Issued).");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).WithSummary("Lists documents: a party sees the documents it issued; customs officers see those that declarations reference.");
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
        group.MapPost("/verify", VerifyAsync).RequireAuthorization(Policies.AnyParty).RequireRateLimiting(PublicEndpoints.PartyRateLimitPolicy)
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

    private static async Task<IResult> SubmitAsync(SubmitDocumentRequest request, ClaimsPrincipal user, SubmitDocument submit, PartyWallets wallets,
        ChainOptions chain, CancellationToken ct)
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
            if (party is not null && (party.Length is 0 or > InputLimits.Party || TextRules.Problem(party, InputLimits.Party) is not null))
                errors.Add((field, $"must be a party name: 1 to {InputLimits.Party} characters, no control characters"));
            else if (party is not null && !wallets.HasAccount(party))
                errors.Add((field, $"must name a party with a chain account (\"{party}\" has none)"));
        }
        if (transferable && !wallets.HasAccount(user.Party()))
            errors.Add(("transferable", $"your party {user.Party()} has no chain account to hold the title"));
        if (errors.Count > 0) return Problems.Validation(errors);

        var document = await submit.HandleAsync(
            new SubmitDocumentCommand(request.Type!, request.Content!, transferable, request.Beneficiary, request.Holder), user.Caller(), ct);
        return Results.Accepted($"/documents/{document.Id}", DocumentView.From(document, chain));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, ReadDocuments read, ChainOptions chain, int? page, int? pageSize, string? type, CancellationToken ct)
    {
        var documents = await read.ListAsync(user.Caller(), page, pageSize, type, ct);
        return Results.Ok(new PagedResult<DocumentView>(documents.Items.Select(d => DocumentView.From(d, chain)).ToList(),
            documents.PageNumber, documents.PageSize, documents.Total));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, ReadDocuments read, ChainOptions chain, CancellationToken ct) =>
        (await read.FindAsync(id, user.Caller(), ct)).ToHttp(document => Results.Ok(DocumentView.From(document, chain)));

    private static async Task<IResult> WrappedAsync(Guid id, ClaimsPrincipal user, ReadDocuments read, CancellationToken ct) =>
        (await read.WrappedAsync(id, user.Caller(), ct)).ToHttp(wrapped => Results.Text(wrapped.ToJsonString(), "application/json"));

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, ReadDocuments read, CancellationToken ct) =>
        (await read.HistoryAsync(id, user.Caller(), ct)).ToHttp(Results.Ok);

    private static async Task<IResult> RevokeAsync(Guid id, RevokeRequest request, ClaimsPrincipal user, RevokeDocument revoke, ChainOptions chain, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length is < 3 or > InputLimits.Reason)
            errors.Add(("reason", $"is required: 3 to {InputLimits.Reason} characters saying why the document is revoked"));
        else if (TextRules.Problem(reason, InputLimits.Reason, multiline: true) is { } broken) errors.Add(("reason", broken));
        var scope = request.Scope ?? "document";
        if (scope is not ("document" or "batch")) errors.Add(("scope", "must be \"document\" (this document) or \"batch\" (every document issued in its Merkle tree)"));
        if (errors.Count > 0) return Problems.Validation(errors);

        return (await revoke.HandleAsync(new RevokeDocumentCommand(id, reason!, scope), user.Caller(), ct)).ToHttp(r => Results.Ok(new
        {
            revokedHash = r.RevokedHash, scope = r.Scope, reason = r.Reason, transactionHash = r.TransactionHash, blockNumber = r.BlockNumber,
            documents = r.Documents.Select(d => DocumentView.From(d, chain)).ToList(),
        }));
    }

    private static async Task<IResult> DiscloseAsync(Guid id, DisclosureRequest request, ClaimsPrincipal user, DiscloseDocument disclose, CancellationToken ct)
    {
        if (request.Hide is not { Count: > 0 }) return Problems.Validation(("hide", "is required: the dotted paths of the fields to hide, e.g. \"buyer.address\""));
        return (await disclose.HandleAsync(id, request.Hide, user.Caller(), ct)).ToHttp(copy => Results.Text(copy.ToJsonString(), "application/json"));
    }

    private static async Task<IResult> VerifyAsync(JsonObject? wrapped, VerifyDocument verify, CancellationToken ct)
    {
        if (wrapped is null) return Problems.Validation(("body", "is required: a wrapped OpenAttestation v2 document"));
        return Results.Ok(await verify.ForPartyAsync(wrapped, ct));
    }
}

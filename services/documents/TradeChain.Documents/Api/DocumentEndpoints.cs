using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json.Nodes;
using TradeChain.Documents.Application;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Domain;
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
public sealed record SubmitDocumentRequest(string? Type, JsonObject? Content, bool? Transferable = null,
    [property: MaxLength(InputLimits.Party)] string? Beneficiary = null, [property: MaxLength(InputLimits.Party)] string? Holder = null);

/// <summary>Several documents submitted in one request (an exporter's system sending a shipment's papers).</summary>
public sealed record SubmitDocumentsRequest([property: MaxLength(DocumentEndpoints.MaxBatch)] IReadOnlyList<SubmitDocumentRequest?>? Documents);

/// <summary>
/// What became of one document of a batch, at its <paramref name="Index"/>: <paramref name="Status"/> 202 with the
/// document (submitted, issued with the next batch), 400 with the broken fields (<paramref name="Errors"/>, named
/// <c>documents[i].…</c>), or 409 with the broken <paramref name="Rule"/> (the same document already submitted, as
/// <paramref name="DocumentId"/>).
/// </summary>
public sealed record BatchSubmission(int Index, int Status, DocumentView? Document = null, IReadOnlyDictionary<string, string[]>? Errors = null,
    string? Rule = null, string? Detail = null, Guid? DocumentId = null);

public sealed record BatchSubmissionResult(IReadOnlyList<BatchSubmission> Results, int Submitted, int Refused);

public sealed record RevokeRequest([property: MaxLength(InputLimits.Reason)] string? Reason, string? Scope);

public sealed record DisclosureRequest([property: MaxLength(TradeDocument.MaxHiddenFields)] IReadOnlyList<string>? Hide);

public sealed record RevocationView(string Scope, string Reason, string? TransactionHash, long? BlockNumber, long? RevokedAtUnixMs);

/// <summary>
/// What POST /documents/{id}/revoke answers: the hash revoked (or being revoked) on the document store, the scope and
/// reason, and the documents it covers. Recorded (200): the transaction and block, every document covered now Revoked.
/// Being sent (202): no transaction yet, and the asking document, still Issued with its <c>revocationRequest</c>.
/// </summary>
public sealed record RevocationAnswer(string RevokedHash, string Scope, string Reason, string? TransactionHash, long? BlockNumber, IReadOnlyList<DocumentView> Documents)
{
    public static RevocationAnswer From(DocumentRevocation r, ChainOptions chain) =>
        new(r.RevokedHash, r.Scope, r.Reason, r.TransactionHash, r.BlockNumber, [.. r.Documents.Select(d => DocumentView.From(d, chain))]);

    public static RevocationAnswer Asked(TradeDocument d, ChainOptions chain) =>
        new(d.RevokedHash(d.RevocationScope!), d.RevocationScope!, d.RevocationReason!, null, null, [DocumentView.From(d, chain)]);
}

/// <summary>A revocation asked and not recorded yet: the issuer is sending it to the document store.</summary>
public sealed record RevocationRequestView(string Scope, string Reason, long RequestedAtUnixMs);

/// <param name="RevocationRequest">While a revocation is being sent (the document still Issued): what was asked.</param>
public sealed record DocumentView(Guid Id, string Type, string OwnerParty, string Hash, string TargetHash, string Status, bool Transferable,
    string? DocumentStore, string? TokenRegistry, string? MerkleRoot, string? IssueTransactionHash, long? IssuedInBlock, long SubmittedAtUnixMs,
    JsonNode? Content, JsonObject? Wrapped, RevocationView? Revocation, int Version, RevocationRequestView? RevocationRequest = null)
{
    public static DocumentView From(TradeDocument d, ChainOptions chain) => new(d.Id, d.DocumentType, d.OwnerParty, d.Hash, d.TargetHash,
        d.Status.ToString(), d.IsTransferable,
        d.IsTransferable ? null : chain.DocumentStoreAddress, d.IsTransferable ? chain.TitleRegistryAddress : null,
        d.MerkleRoot, d.IssueTransactionHash, d.IssuedInBlock, d.SubmittedAtUnixMs, OpenAttestationV2.Unsalt(d.Data), d.Wrapped,
        d.Status == DocumentStatus.Revoked
            ? new RevocationView(d.RevocationScope!, d.RevocationReason!, d.RevocationTransactionHash, d.RevokedInBlock, d.RevokedAtUnixMs)
            : null, d.Version,
        d.RevocationPending ? new RevocationRequestView(d.RevocationScope!, d.RevocationReason!, d.RevocationRequestedAtUnixMs!.Value) : null);
}

public static class DocumentEndpoints
{
    /// <summary>The most documents one batch may hold.</summary>
    public const int MaxBatch = 100;

    public static IEndpointRouteBuilder MapDocuments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/documents").WithTags("documents");
        group.MapPost("/batch", SubmitBatchAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary($"Submits up to {MaxBatch} documents in one request, each on its own: the answer lists, in order, each one submitted (202, issued with " +
                "the next batch), refused for its fields (400) or already submitted (409 naming it: the same type, content and title parties from the same party). " +
                "Sending a batch again is safe.");
        group.MapPost("/", SubmitAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Submits a trade document: validated against its schema, wrapped as OpenAttestation v2 and queued for issuance (202; follow GET /documents/{id} with afterVersion and waitSeconds until Issued).");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).Produces<PagedResult<DocumentView>>().Produces(StatusCodes.Status304NotModified)
            .WithSummary("Lists documents: a party sees the documents it issued; customs officers see those that declarations reference. " + ListChanges.Summary("documents"));
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The document, its status and, once issued, the wrapped OpenAttestation document. " + LongPoll.Summary("document"));
        group.MapGet("/{id:guid}/wrapped", WrappedAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The wrapped OpenAttestation document (a .tt file) — 409 while it waits for issuance.");
        group.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The document's transitions with their Merkle proofs and on-chain anchoring.");
        group.MapPost("/{id:guid}/revoke", RevokeAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Revokes the document (scope \"document\") or its whole batch (scope \"batch\") on the document store, with a reason. The request is saved " +
                "and the service's issuer sends the revocation (one writer of the service's account): the answer waits for it to be recorded (200 with the " +
                "transaction and the documents now Revoked) — at most Revocation:WaitSeconds (25) or the client's Prefer: wait=<seconds> — unless the " +
                "client sends Prefer: respond-async or the wait runs out: then 202 Accepted (Retry-After: 2; Preference-Applied: respond-async when asked) with the same " +
                "fields without a transaction and the document (still Issued, its revocationRequest shown), and its Location; follow it until Revoked. Asking again " +
                "with the same scope and reason is the same request; with another while one of the document or its batch is pending, 409 revocation-pending; one the " +
                "document store refused is given up (409 revocation-given-up to a waiting request; the history names the contract's rule).");
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
        var (command, errors) = Validate(request, user, wallets);
        if (command is null) return Problems.Validation(errors);
        var document = await submit.HandleAsync(command, user.Caller(), ct);
        return Results.Accepted($"/documents/{document.Id}", DocumentView.From(document, chain));
    }

    /// <summary>A submission's fields checked (its content against its type's schema, its title parties): the command, or the broken fields.</summary>
    private static (SubmitDocumentCommand? Command, List<(string Field, string Rule)> Errors) Validate(SubmitDocumentRequest request, ClaimsPrincipal user,
        PartyWallets wallets)
    {
        var errors = new List<(string Field, string Rule)>();
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
        return errors.Count > 0
            ? (null, errors)
            : (new SubmitDocumentCommand(request.Type!, request.Content!, transferable, request.Beneficiary, request.Holder), errors);
    }

    /// <summary>
    /// Each document of the batch is validated and submitted on its own (its own unit of work, so one refused leaves the
    /// others as they are): the result lists what became of each, in order. A batch's document is identified by what it
    /// says (<see cref="SubmitDocument.IdOf"/>), so a batch sent again finds those already submitted.
    /// </summary>
    private static async Task<IResult> SubmitBatchAsync(SubmitDocumentsRequest request, ClaimsPrincipal user, PartyWallets wallets, ChainOptions chain,
        IServiceScopeFactory scopes, CancellationToken ct)
    {
        if (request.Documents is not { Count: > 0 and <= MaxBatch } batch)
            return Problems.Validation(("documents", $"must hold between 1 and {MaxBatch} documents"));
        var caller = user.Caller();
        var results = new List<BatchSubmission>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is not { } one)
            {
                results.Add(new BatchSubmission(i, StatusCodes.Status400BadRequest, Errors: new Dictionary<string, string[]> { [$"documents[{i}]"] = ["must be a document, not null"] }));
                continue;
            }
            var (command, errors) = Validate(one, user, wallets);
            if (command is null)
            {
                results.Add(new BatchSubmission(i, StatusCodes.Status400BadRequest, Errors: errors.GroupBy(e => $"documents[{i}].{e.Field}")
                    .ToDictionary(g => g.Key, g => g.Select(e => e.Rule).ToArray())));
                continue;
            }
            await using var scope = scopes.CreateAsyncScope();
            var submission = await scope.ServiceProvider.GetRequiredService<SubmitDocument>().HandleOnceAsync(command, caller, ct);
            results.Add(submission.Submitted is { } document
                ? new BatchSubmission(i, StatusCodes.Status202Accepted, DocumentView.From(document, chain))
                : new BatchSubmission(i, StatusCodes.Status409Conflict, Rule: SubmitDocument.AlreadySubmittedRule,
                    Detail: $"This document (the same type, content and title parties) was already submitted as {submission.AlreadySubmittedAs}.",
                    DocumentId: submission.AlreadySubmittedAs));
        }
        var submitted = results.Count(r => r.Status == StatusCodes.Status202Accepted);
        return Results.Ok(new BatchSubmissionResult(results, submitted, results.Count - submitted));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ClaimsPrincipal user, ReadDocuments read, DocumentsDbContext db, ListChanges lists, ChainOptions chain,
        int? page, int? pageSize, string? type, int? waitSeconds, CancellationToken ct)
    {
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        var caller = user.Caller();
        return await lists.AnswerAsync(http, db, TradeDocument.RecordType, waitSeconds, async c =>
        {
            var documents = await read.ListAsync(caller, page, pageSize, type, c);
            return new PagedResult<DocumentView>(documents.Items.Select(d => DocumentView.From(d, chain)).ToList(), documents.PageNumber, documents.PageSize, documents.Total);
        }, ct);
    }

    /// <summary>The document; with afterVersion and waitSeconds, a long-poll for its next transition (see <see cref="RecordChanges"/>).</summary>
    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, ReadDocuments read, RecordChanges changes, ChainOptions chain, TimeProvider clock,
        int? afterVersion, int? waitSeconds, CancellationToken ct)
    {
        var (wait, errors) = LongPoll.Of(afterVersion, waitSeconds, "document");
        if (LongPoll.Refused(errors) is { } refused) return refused;
        var found = await FollowAsync(id, user.Caller(), wait, read, changes, clock, ct);
        return found is null ? Problems.NotFound("document", id.ToString()) : Results.Ok(DocumentView.From(found, chain));
    }

    /// <summary>The document as <paramref name="caller"/> may see it (null: not at all), once past the wait's version or when the wait is over.</summary>
    private static Task<TradeDocument?> FollowAsync(Guid id, Caller caller, LongPoll wait, ReadDocuments read, RecordChanges changes, TimeProvider clock, CancellationToken ct)
    {
        Func<CancellationToken, Task<int?>> versionFor = c => read.VisibleVersionOfAsync(id, caller, c);
        return changes.FollowAsync(RecordChanges.KeyOf(TradeDocument.RecordType, id.ToString()), caller.Party, wait,
            async c => await read.FindAsync(id, caller, c) is { Value: { } document } ? document : null, d => d.Version, versionFor, clock, ct, visibleVersionOf: versionFor);
    }

    private static async Task<IResult> WrappedAsync(Guid id, ClaimsPrincipal user, ReadDocuments read, CancellationToken ct) =>
        (await read.WrappedAsync(id, user.Caller(), ct)).ToHttp(wrapped => Results.Text(wrapped.ToJsonString(), "application/json"));

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, ReadDocuments read, CancellationToken ct) =>
        (await read.HistoryAsync(id, user.Caller(), ct)).ToHttp(Results.Ok);

    private static async Task<IResult> RevokeAsync(Guid id, RevokeRequest request, ClaimsPrincipal user, HttpContext http, AskRevocation revoke, ReadDocuments read,
        RecordChanges changes, ChainOptions chain, Microsoft.Extensions.Options.IOptions<RevocationOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length is < 3 or > InputLimits.Reason)
            errors.Add(("reason", $"is required: 3 to {InputLimits.Reason} characters saying why the document is revoked"));
        else if (TextRules.Problem(reason, InputLimits.Reason, multiline: true) is { } broken) errors.Add(("reason", broken));
        else if (reason.StartsWith(SendRevocations.NotHeldPrefix, StringComparison.OrdinalIgnoreCase))
            errors.Add(("reason", $"must not begin \"{SendRevocations.NotHeldPrefix}\": those words mark a revocation whose notice this service does not hold"));
        var scope = request.Scope ?? "document";
        if (scope is not ("document" or "batch")) errors.Add(("scope", "must be \"document\" (this document) or \"batch\" (every document issued in its Merkle tree)"));
        if (errors.Count > 0) return Problems.Validation(errors);

        var caller = user.Caller();
        var asked = await revoke.HandleAsync(new AskRevocationCommand(id, reason!, scope), caller, ct);
        if (asked.Value is not { } document) return asked.ToHttp(Results.Ok);

        // Asked: the issuer sends it. Unless the client prefers not to wait (RFC 7240 respond-async), the answer waits — at
        // most its wait= or Revocation:WaitSeconds — for the document's next transition, which is its Revoked record (or
        // the request given up, when the document store refused it).
        var (respondAsync, wait) = Prefer.Of(http.Request, TimeSpan.FromSeconds(Math.Clamp(options.Value.WaitSeconds, 0, RecordChanges.MaxWaitSeconds)));
        if (document.RevocationPending && !respondAsync && (int)wait.TotalSeconds > 0)
            document = await FollowAsync(id, caller, new LongPoll(document.Version, (int)wait.TotalSeconds), read, changes, clock, ct) ?? document;
        if (document is { Status: DocumentStatus.Issued, RevocationPending: false })
            throw new DomainRuleViolation("revocation-given-up",
                $"The document store refused the revocation and nothing was revoked: the document is Issued; its history (GET /documents/{id}/history) names the rule.");
        if (document.Status == DocumentStatus.Revoked)
        {
            // 200 only for the revocation asked: recorded with another scope or notice (its batch's, raced; or one made on chain
            // outside this request), this request is not what happened.
            if (document.RevocationScope != scope || document.RevocationReason != reason)
                throw new DomainRuleViolation("already-revoked",
                    $"The document was revoked ({document.RevocationScope}) in transaction {document.RevocationTransactionHash} with another notice: \"{document.RevocationReason}\".");
            return Results.Ok(RevocationAnswer.From(await revoke.RecordedAsync(document, ct), chain));
        }
        return Prefer.Accepted(http.Response, respondAsync, $"/documents/{id}", RevocationAnswer.Asked(document, chain));
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

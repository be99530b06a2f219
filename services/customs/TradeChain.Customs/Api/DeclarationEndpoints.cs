using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Application;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Domain;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Customs.Api;

public sealed record DeclarationView(
    Guid Id, string LocalReferenceNumber, string DeclarantParty, string Type, string Function, string OfficeOfDeclaration, string Status, string? ResponseCode,
    string? StatusReason, string? Lane, LaneDecision? LaneDecision, string? OfficerLaneReason, AssessmentNotice? Assessment, string? PaymentReference, decimal AmountPaid,
    string? SupplementaryPaymentReference, decimal SupplementaryAmount, string? AssignedOfficer, IReadOnlyList<string> RequestedDocumentTypes,
    string? ExaminationFindings, int ContentVersion, DeclarationContent Content, IReadOnlyList<DeclarationVersion> PreviousVersions,
    long LodgedAtUnixMs, long UpdatedAtUnixMs, IReadOnlyList<RecordedVerdict> DocumentVerdicts, int Version)
{
    /// <param name="officer">Only customs officers see the selectivity decision (which risk rules fired) and an officer's reason for a re-route.</param>
    public static DeclarationView From(Declaration d, bool officer) => new(d.Id, d.LocalReferenceNumber, d.DeclarantParty, d.Type.ToString().ToLowerInvariant(),
        d.Function.ToString().ToLowerInvariant(), d.OfficeOfDeclaration, d.Status.ToString(), d.ResponseCode,
        officer || d.StatusReason is null ? d.StatusReason : Declaration.ReasonForDeclarant(d.StatusReason), d.Lane?.ToString(),
        officer ? d.LaneDecision : null, officer ? d.OfficerLaneReason : null, d.Assessment, d.PaymentReference,
        d.AmountPaid, d.SupplementaryPaymentReference, d.SupplementaryAmount, d.AssignedOfficer, d.RequestedDocumentTypes, d.ExaminationFindings,
        d.ContentVersion, d.Content, d.PreviousVersions, d.LodgedAtUnixMs, d.UpdatedAtUnixMs, d.DocumentVerdicts, d.Version);
}

/// <summary>A line of the officers' work queue (and of a declarant's list): what is due once assessed, in the assessment's currency.</summary>
public sealed record WorkItem(Guid Id, string LocalReferenceNumber, string DeclarantParty, string Type, string OfficeOfDeclaration, string Status,
    string? ResponseCode, string? Lane, string? AssignedOfficer, long LodgedAtUnixMs, long UpdatedAtUnixMs, decimal? TotalPayable, string? Currency)
{
    /// <summary>Reads the lines of <paramref name="query"/>: only the declarations' own columns, none of their child rows.</summary>
    public static async Task<List<WorkItem>> ReadAsync(IQueryable<Declaration> query, CancellationToken ct)
    {
        var rows = await query.Select(d => new
        {
            d.Id, d.LocalReferenceNumber, d.DeclarantParty, d.Type, d.OfficeOfDeclaration, d.Status, d.ResponseCode, d.Lane, d.AssignedOfficer,
            d.LodgedAtUnixMs, d.UpdatedAtUnixMs, d.Assessment,
        }).ToListAsync(ct);
        return rows.Select(d => new WorkItem(d.Id, d.LocalReferenceNumber, d.DeclarantParty, d.Type.ToString().ToLowerInvariant(), d.OfficeOfDeclaration,
            d.Status.ToString(), d.ResponseCode, d.Lane?.ToString(), d.AssignedOfficer, d.LodgedAtUnixMs, d.UpdatedAtUnixMs,
            d.Assessment?.TotalPayable, d.Assessment?.Currency)).ToList();
    }
}

/// <summary>How many declarations are on each lane; <see cref="NotYetRouted"/> are still waiting for their documents' verification.</summary>
public sealed record LaneCounts(int Green, int Blue, int Yellow, int Red, int NotYetRouted)
{
    public static async Task<LaneCounts> CountAsync(IQueryable<Declaration> query, CancellationToken ct)
    {
        var counts = await query.GroupBy(d => d.Lane).Select(g => new { Lane = g.Key, Count = g.Count() }).ToListAsync(ct);
        int Of(Lane? lane) => counts.Where(c => c.Lane == lane).Sum(c => c.Count);
        return new LaneCounts(Of(Lane.Green), Of(Lane.Blue), Of(Lane.Yellow), Of(Lane.Red), Of(null));
    }
}

/// <summary>One page of the work queue, with how many of all the matching declarations are on each lane (ignoring the lane filter).</summary>
public sealed record WorkQueuePage(IReadOnlyList<WorkItem> Items, int PageNumber, int PageSize, int Total, LaneCounts CountsByLane);

/// <summary>Several declarations lodged in one request (a declarant's system sending a day's shipments).</summary>
public sealed record LodgeDeclarationsRequest([property: MaxLength(DeclarationEndpoints.MaxBatch)] IReadOnlyList<LodgeDeclarationRequest?>? Declarations);

/// <summary>
/// What became of one declaration of a batch, at its <paramref name="Index"/>: <paramref name="Status"/> 201 with the
/// declaration, 400 with the broken fields (<paramref name="Errors"/>, named as in a single lodgement), or 409 with the
/// broken <paramref name="Rule"/> (the local reference number already lodged as <paramref name="DeclarationId"/>).
/// </summary>
public sealed record BatchLodgement(int Index, int Status, DeclarationView? Declaration = null, IReadOnlyDictionary<string, string[]>? Errors = null,
    string? Rule = null, string? Detail = null, Guid? DeclarationId = null);

public sealed record BatchLodgementResult(IReadOnlyList<BatchLodgement> Results, int Lodged, int Refused);

public sealed record ReasonRequest([property: MaxLength(InputLimits.Reason)] string? Reason);

public sealed record RerouteRequest(string? Lane, [property: MaxLength(InputLimits.Reason)] string? Reason);

public sealed record RequestDocumentsRequest([property: MaxLength(DeclarationValidator.MaxDocuments)] IReadOnlyList<string>? DocumentTypes, [property: MaxLength(InputLimits.Reason)] string? Reason);

public sealed record AdditionalDocumentsRequest([property: MaxLength(DeclarationValidator.MaxDocuments)] IReadOnlyList<DocumentRequest>? Documents);

public sealed record FindingsRequest([property: MaxLength(InputLimits.Text)] string? Findings);

public sealed record ExaminationRequest([property: MaxLength(InputLimits.Text)] string? Findings, [property: MaxLength(DeclarationValidator.MaxItems)] IReadOnlyList<ItemCorrection>? Corrections);

/// <summary>HTTP onto customs' use cases (Application/): request shapes are checked here, every rule in Domain/Declaration.cs.</summary>
public static class DeclarationEndpoints
{
    /// <summary>The most declarations one batch may hold.</summary>
    public const int MaxBatch = 100;

    public static IEndpointRouteBuilder MapDeclarations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/declarations").WithTags("declarations");

        group.MapPost("/batch", LodgeBatchAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary($"Lodges up to {MaxBatch} declarations in one request, each on its own: the answer lists, in order, each one lodged (201), " +
                "refused for its fields (400) or for its local reference number (409). Sending a batch again is safe: those already lodged come back as 409 naming them.");
        group.MapPost("/", LodgeAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Lodges a goods declaration (02); customs has its documents verified, selects the lane and assesses the duties.");
        group.MapPut("/{id:guid}", AmendAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Amends a declaration before payment (07): a new version, verified, routed and assessed again; the earlier version stays in history.");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).Produces<WorkQueuePage>().Produces(StatusCodes.Status304NotModified)
            .WithSummary("The work queue: filter by status, lane, office, lodgement date (from/to, yyyy-MM-dd) and assignedTo (an officer, or 'me'); paged. Exporters see only their own. " + ListChanges.Summary("declarations"));
        group.MapGet("/statistics", DeclarationStatistics.GetAsync).RequireAuthorization(Roles.CustomsOfficer)
            .WithSummary("For officers: declarations by status and by lane, those lodged in each hour (UTC) of a day (default today), and how far anchoring lags behind.");
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The declaration. " + LongPoll.Summary("declaration"));
        group.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("Every status change with who, when and why, each with its Merkle proof and on-chain anchoring.");

        group.MapPost("/{id:guid}/assign", async (Guid id, ClaimsPrincipal user, AssignDeclaration assign, CancellationToken ct) =>
                View(await assign.HandleAsync(id, user, ct), id, user))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("Takes the declaration; a paid yellow declaration goes to documentary check, a red one to examination (05).");
        group.MapPost("/{id:guid}/reroute", async (Guid id, RerouteRequest body, ClaimsPrincipal user, RerouteDeclaration reroute, CancellationToken ct) =>
                !Codes.TryParse<Lane>(body.Lane, out var lane)
                    ? Problems.Validation(("lane", "must be one of Green, Blue, Yellow, Red"))
                    : Refused("reason", body.Reason) ?? View(await reroute.HandleAsync(id, lane, body.Reason ?? "", user, ct), id, user))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("An officer changes the lane, with a reason.");
        group.MapPost("/{id:guid}/request-documents", RequestDocumentsAsync).RequireAuthorization(Roles.CustomsOfficer)
            .WithSummary("During a documentary check, asks the declarant for more documents (06).");
        group.MapPost("/{id:guid}/additional-documents", AnswerAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The declarant answers a request for documents; they are verified and the check resumes.");
        group.MapPost("/{id:guid}/documentary-check", async (Guid id, FindingsRequest body, ClaimsPrincipal user, CompleteDocumentaryCheck complete, CancellationToken ct) =>
                Refused("findings", body.Findings, InputLimits.Text) ?? View(await complete.HandleAsync(id, body.Findings ?? "", user, ct), id, user))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("Completes the documentary check with its findings: cleared for release (09).");
        group.MapPost("/{id:guid}/examination", ExamineAsync).RequireAuthorization(Roles.CustomsOfficer)
            .WithSummary("Records physical examination findings; corrections lead to reassessment and, if more is due, a supplementary payment.");
        group.MapPost("/{id:guid}/release", async (Guid id, ReasonRequest? body, ClaimsPrincipal user, ReleaseGoods release, CancellationToken ct) =>
                Refused("reason", body?.Reason) ?? View(await release.HandleAsync(id, body?.Reason ?? "", user, ct), id, user))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("Releases cleared goods (08).");
        group.MapPost("/{id:guid}/reject", async (Guid id, ReasonRequest? body, ClaimsPrincipal user, RejectDeclaration reject, CancellationToken ct) =>
                Refused("reason", body?.Reason) ?? View(await reject.HandleAsync(id, body?.Reason ?? "", user, ct), id, user))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("Rejects the declaration with a reason (03); unpaid payment requests are withdrawn.");
        group.MapPost("/{id:guid}/exit", async (Guid id, ReasonRequest? body, ClaimsPrincipal user, ConfirmExit exit, CancellationToken ct) =>
                Refused("reason", body?.Reason) ?? View(await exit.HandleAsync(id, body?.Reason ?? "", user, ct), id, user))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("Confirms the goods left the customs territory (16).");
        group.MapPost("/{id:guid}/cancel", async (Guid id, ReasonRequest body, ClaimsPrincipal user, CancelDeclaration cancel, CancellationToken ct) =>
                Refused("reason", body.Reason) ?? View(await cancel.HandleAsync(id, body.Reason ?? "", user, ct), id, user))
            .RequireAuthorization(Roles.Exporter).WithSummary("The declarant cancels its declaration before release (10).");
        return app;
    }

    /// <summary>
    /// A reason or findings as an officer or declarant writes them: free text of at most <paramref name="max"/> characters
    /// (default <see cref="InputLimits.Reason"/>), line breaks allowed, no other control characters — or null when it may pass.
    /// </summary>
    private static IResult? Refused(string field, string? text, int max = InputLimits.Reason) =>
        TextRules.Problem(text, max, multiline: true) is { } rule ? Problems.Validation((field, rule)) : null;

    /// <summary>The declaration as the caller may see it after a use case, or 404 when there was none to act on.</summary>
    private static IResult View(Declaration? declaration, Guid id, ClaimsPrincipal user) => declaration is null
        ? Problems.NotFound("declaration", id.ToString())
        : Results.Ok(DeclarationView.From(declaration, user.IsInRole(Roles.CustomsOfficer)));

    private static async Task<IResult> LodgeAsync(LodgeDeclarationRequest request, ClaimsPrincipal user, DeclarationValidator validator, LodgeDeclaration lodge,
        CancellationToken ct)
    {
        var (content, errors) = validator.Validate(request);
        if (content is null) return Problems.Validation(errors);
        var lodgement = await lodge.HandleAsync(request.LocalReferenceNumber!, content, user, ct);
        if (lodgement is { AlreadyLodgedAs: { } existing, Refusal: { } refusal })
        {
            // The domain's refusal as the global handler words a broken rule, with its own title and the declaration to amend instead.
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Local reference number already used.", detail: refusal.Message,
                type: Problems.RuleType, extensions: new Dictionary<string, object?> { ["rule"] = refusal.Rule, ["declarationId"] = existing });
        }
        return Results.Created($"/declarations/{lodgement.Lodged!.Id}", DeclarationView.From(lodgement.Lodged, officer: false));
    }

    private static async Task<IResult> AmendAsync(Guid id, LodgeDeclarationRequest request, ClaimsPrincipal user, DeclarationValidator validator, AmendDeclaration amend,
        CancellationToken ct)
    {
        var (content, errors) = validator.Validate(request);
        if (string.IsNullOrWhiteSpace(request.Reason)) errors.Add(("reason", "an amendment needs a reason"));
        else if (TextRules.Problem(request.Reason, InputLimits.Reason, multiline: true) is { } broken) errors.Add(("reason", broken));
        if (content is null || errors.Count > 0) return Problems.Validation(errors);
        return await amend.HandleAsync(id, request.LocalReferenceNumber, content, request.Reason!, user, ct) switch
        {
            null => Problems.NotFound("declaration", id.ToString()),
            { KeptLocalReferenceNumber: { } kept } => Problems.Validation(("localReferenceNumber", $"cannot change on amendment (it is {kept})")),
            var amendment => View(amendment.Amended, id, user),
        };
    }

    private static async Task<IResult> RequestDocumentsAsync(Guid id, RequestDocumentsRequest body, ClaimsPrincipal user, RequestDocuments request, CancellationToken ct)
    {
        if (body.DocumentTypes is { Count: > DeclarationValidator.MaxDocuments })
            return Problems.Validation(("documentTypes", $"at most {DeclarationValidator.MaxDocuments} document types"));
        var unknown = (body.DocumentTypes ?? []).Where(t => t is null || !ReferenceData.DocumentTypes.Contains(t)).ToList();
        if (unknown.Count > 0)
            return Problems.Validation(("documentTypes", $"unknown document type(s) {string.Join(", ", unknown.Select(t => t ?? "null").Distinct().Take(5))}; use {string.Join(", ", ReferenceData.DocumentTypes)}"));
        if (Refused("reason", body.Reason) is { } refused) return refused;
        return View(await request.HandleAsync(id, body.DocumentTypes ?? [], body.Reason ?? "", user, ct), id, user);
    }

    private static async Task<IResult> AnswerAsync(Guid id, AdditionalDocumentsRequest request, ClaimsPrincipal user, SubmitAdditionalDocuments submit, CancellationToken ct)
    {
        var errors = new List<(string Field, string Rule)>();
        var documents = DeclarationValidator.ValidateDocuments(request.Documents, errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        return await submit.HandleAsync(id, documents, user, ct) switch
        {
            null => Problems.NotFound("declaration", id.ToString()),
            { AlreadyAttached.Count: > 0 } reused => Problems.Validation(reused.AlreadyAttached
                .Select(i => ($"documents[{i}].hash", "is already attached to the declaration: answer with the document asked for")).ToArray()),
            var answer => View(answer.Answered, id, user),
        };
    }

    private static async Task<IResult> ExamineAsync(Guid id, ExaminationRequest request, ClaimsPrincipal user, DeclarationValidator validator, RecordExamination examine,
        CancellationToken ct)
    {
        var corrections = request.Corrections ?? [];
        var errors = validator.ValidateCorrections(corrections);
        if (TextRules.Problem(request.Findings, InputLimits.Text, multiline: true) is { } broken) errors.Add(("findings", broken));
        if (errors.Count > 0) return Problems.Validation(errors);
        return View(await examine.HandleAsync(id, request.Findings ?? "", corrections, user, ct), id, user);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ClaimsPrincipal user, CustomsDbContext db, ListChanges lists, string? status, string? lane, string? office,
        DateOnly? from, DateOnly? to, string? assignedTo, int? page, int? pageSize, int? waitSeconds, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.Declarations.AsNoTracking();
        if (user.IsInRole(Roles.Exporter)) { var party = user.Party(); query = query.Where(d => d.DeclarantParty == party); }
        else if (!user.IsInRole(Roles.CustomsOfficer)) return Results.Forbid();
        var errors = new List<(string, string)>();
        if (status is not null)
        {
            if (Codes.TryParse<DeclarationStatus>(status, out var s)) query = query.Where(d => d.Status == s);
            else errors.Add(("status", $"must be one of {string.Join(", ", Enum.GetNames<DeclarationStatus>())}"));
        }
        Lane? laneFilter = null;
        if (lane is not null)
        {
            if (Codes.TryParse<Lane>(lane, out var l)) laneFilter = l;
            else errors.Add(("lane", "must be one of Green, Blue, Yellow, Red"));
        }
        if (from > to) errors.Add(("from", "must not be after to"));
        errors.AddRange(ListChanges.Check(http.Request, waitSeconds));
        if (errors.Count > 0) return Problems.Validation(errors);
        if (office is not null) query = query.Where(d => d.OfficeOfDeclaration == office);
        if (from is { } f) { var ms = StartOfDayUnixMs(f); query = query.Where(d => d.LodgedAtUnixMs >= ms); }
        if (to is { } t) { var ms = StartOfDayUnixMs(t.AddDays(1)); query = query.Where(d => d.LodgedAtUnixMs < ms); }
        if (assignedTo is not null) { var officer = assignedTo == "me" ? user.Actor() : assignedTo; query = query.Where(d => d.AssignedOfficer == officer); }
        var filtered = laneFilter is { } chosen ? query.Where(d => d.Lane == chosen) : query;
        return await lists.AnswerAsync(http, db, Declaration.RecordType, waitSeconds, async c =>
        {
            var counts = await LaneCounts.CountAsync(query, c);
            var total = await filtered.CountAsync(c);
            var items = await WorkItem.ReadAsync(filtered.OrderByDescending(d => d.LodgedAtUnixMs).ThenBy(d => d.Id).Skip((number - 1) * size).Take(size), c);
            return new WorkQueuePage(items, number, size, total, counts);
        }, ct);
    }

    private static long StartOfDayUnixMs(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>The declaration; with afterVersion and waitSeconds, a long-poll for its next transition (see <see cref="RecordChanges"/>).</summary>
    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, Declarations declarations, RecordChanges changes, TimeProvider clock,
        int? afterVersion, int? waitSeconds, CancellationToken ct)
    {
        var (wait, errors) = LongPoll.Of(afterVersion, waitSeconds, "declaration");
        if (LongPoll.Refused(errors) is { } refused) return refused;
        Func<CancellationToken, Task<int?>> versionFor = c => declarations.VisibleVersionOfAsync(id, user, c);
        var declaration = await changes.FollowAsync(RecordChanges.KeyOf(Declaration.RecordType, id.ToString()), user.Party(), wait,
            c => declarations.FindVisibleAsync(id, user, c, tracked: false), d => d.Version, versionFor, clock, ct, visibleVersionOf: versionFor);
        return View(declaration, id, user);
    }

    /// <summary>
    /// Each declaration of the batch is validated and lodged on its own (its own unit of work, so one refused leaves the
    /// others as they are): the result lists what became of each, in order.
    /// </summary>
    private static async Task<IResult> LodgeBatchAsync(LodgeDeclarationsRequest request, ClaimsPrincipal user, DeclarationValidator validator,
        IServiceScopeFactory scopes, CancellationToken ct)
    {
        if (request.Declarations is not { Count: > 0 and <= MaxBatch } batch)
            return Problems.Validation(("declarations", $"must hold between 1 and {MaxBatch} declarations"));
        var results = new List<BatchLodgement>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is not { } one)
            {
                results.Add(new BatchLodgement(i, StatusCodes.Status400BadRequest, Errors: new Dictionary<string, string[]> { [$"declarations[{i}]"] = ["must be a declaration, not null"] }));
                continue;
            }
            var (content, errors) = validator.Validate(one);
            if (content is null)
            {
                results.Add(new BatchLodgement(i, StatusCodes.Status400BadRequest, Errors: errors.GroupBy(e => $"declarations[{i}].{e.Field}")
                    .ToDictionary(g => g.Key, g => g.Select(e => e.Rule).ToArray())));
                continue;
            }
            await using var scope = scopes.CreateAsyncScope();
            var lodgement = await scope.ServiceProvider.GetRequiredService<LodgeDeclaration>().HandleAsync(one.LocalReferenceNumber!, content, user, ct);
            results.Add(lodgement is { AlreadyLodgedAs: { } existing, Refusal: { } refusal }
                ? new BatchLodgement(i, StatusCodes.Status409Conflict, Rule: refusal.Rule, Detail: refusal.Message, DeclarationId: existing)
                : new BatchLodgement(i, StatusCodes.Status201Created, DeclarationView.From(lodgement.Lodged!, officer: false)));
        }
        var lodged = results.Count(r => r.Status == StatusCodes.Status201Created);
        return Results.Ok(new BatchLodgementResult(results, lodged, results.Count - lodged));
    }

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, Declarations declarations, TransitionHistory history, CancellationToken ct)
    {
        var declaration = await declarations.FindVisibleAsync(id, user, ct, tracked: false);
        if (declaration is null) return Problems.NotFound("declaration", id.ToString());
        var transitions = await history.GetAsync(declaration.AggregateType, declaration.AggregateKey, ct);
        // As the declaration view: an officer's reason for a re-route is customs-internal.
        return Results.Ok(user.IsInRole(Roles.CustomsOfficer) ? transitions : transitions.Withholding(Declaration.ReasonForDeclarant));
    }
}

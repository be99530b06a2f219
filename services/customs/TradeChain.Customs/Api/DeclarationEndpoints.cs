using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Domain;
using TradeChain.Messages;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Customs.Api;

public sealed record DeclarationView(
    Guid Id, string LocalReferenceNumber, string DeclarantParty, string Type, string Function, string OfficeOfDeclaration, string Status, string? ResponseCode,
    string? StatusReason, string? Lane, LaneDecision? LaneDecision, string? OfficerLaneReason, AssessmentNotice? Assessment, string? PaymentReference, decimal AmountPaid,
    string? SupplementaryPaymentReference, decimal SupplementaryAmount, string? AssignedOfficer, IReadOnlyList<string> RequestedDocumentTypes,
    string? ExaminationFindings, int ContentVersion, DeclarationContent Content, IReadOnlyList<DeclarationVersion> PreviousVersions,
    long LodgedAtUnixMs, long UpdatedAtUnixMs, IReadOnlyList<RecordedVerdict> DocumentVerdicts)
{
    /// <param name="officer">Only customs officers see the selectivity decision (which risk rules fired).</param>
    public static DeclarationView From(Declaration d, bool officer) => new(d.Id, d.LocalReferenceNumber, d.DeclarantParty, d.Type.ToString().ToLowerInvariant(),
        d.Function.ToString().ToLowerInvariant(), d.OfficeOfDeclaration, d.Status.ToString(), d.ResponseCode, d.StatusReason, d.Lane?.ToString(),
        officer ? d.LaneDecision : null, officer ? d.OfficerLaneReason : null, d.Assessment, d.PaymentReference,
        d.AmountPaid, d.SupplementaryPaymentReference, d.SupplementaryAmount, d.AssignedOfficer, d.RequestedDocumentTypes, d.ExaminationFindings,
        d.ContentVersion, d.Content, d.PreviousVersions, d.LodgedAtUnixMs, d.UpdatedAtUnixMs, d.DocumentVerdicts ?? []);
}

/// <summary>A line of the officers' work queue (and of a declarant's list): what is due once assessed, in the assessment's currency.</summary>
public sealed record WorkItem(Guid Id, string LocalReferenceNumber, string DeclarantParty, string Type, string OfficeOfDeclaration, string Status,
    string? ResponseCode, string? Lane, string? AssignedOfficer, long LodgedAtUnixMs, long UpdatedAtUnixMs, decimal? TotalPayable, string? Currency)
{
    public static WorkItem From(Declaration d) => new(d.Id, d.LocalReferenceNumber, d.DeclarantParty, d.Type.ToString().ToLowerInvariant(),
        d.OfficeOfDeclaration, d.Status.ToString(), d.ResponseCode, d.Lane?.ToString(), d.AssignedOfficer, d.LodgedAtUnixMs, d.UpdatedAtUnixMs,
        d.Assessment?.TotalPayable, d.Assessment?.Currency);
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

public sealed record ReasonRequest(string? Reason);

public sealed record RerouteRequest(string? Lane, string? Reason);

public sealed record RequestDocumentsRequest(IReadOnlyList<string>? DocumentTypes, string? Reason);

public sealed record AdditionalDocumentsRequest(IReadOnlyList<DocumentRequest>? Documents);

public sealed record FindingsRequest(string? Findings);

public sealed record ExaminationRequest(string? Findings, IReadOnlyList<ItemCorrection>? Corrections);

public static class DeclarationEndpoints
{
    public static IEndpointRouteBuilder MapDeclarations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/declarations").WithTags("declarations");

        group.MapPost("/", LodgeAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Lodges a goods declaration (02); customs has its documents verified, selects the lane and assesses the duties.");
        group.MapPut("/{id:guid}", AmendAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Amends a declaration before payment (07): a new version, verified, routed and assessed again; the earlier version stays in history.");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The work queue: filter by status, lane, office, lodgement date (from/to, yyyy-MM-dd) and assignedTo (an officer, or 'me'); paged. Exporters see only their own.");
        group.MapGet("/statistics", DeclarationStatistics.GetAsync).RequireAuthorization(Roles.CustomsOfficer)
            .WithSummary("For officers: declarations by status and by lane, those lodged in each hour (UTC) of a day (default today), and how far anchoring lags behind.");
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.AnyParty);
        group.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("Every status change with who, when and why, each with its Merkle proof and on-chain anchoring.");

        Officer(group, "/{id:guid}/assign", "Takes the declaration; a paid yellow declaration goes to documentary check, a red one to examination (05).",
            (d, officer, _, at) => d.Assign(officer, at));
        group.MapPost("/{id:guid}/reroute", (Guid id, RerouteRequest body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
                !Codes.TryParse<Lane>(body.Lane, out var lane)
                    ? Task.FromResult(Problems.Validation(("lane", "must be one of Green, Blue, Yellow, Red")))
                    : ActAsync(id, user, db, ct, d =>
                    {
                        // A declaration in the middle of its check is re-routed only by the officer doing the check.
                        if (d.Status is DeclarationStatus.UnderDocumentaryCheck or DeclarationStatus.UnderExamination) CustomsProcess.EnsureAssigned(d, user.Actor());
                        d.Reroute(lane, body.Reason ?? "", user.Actor(), clock.GetUtcNow());
                    }))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("An officer changes the lane, with a reason.");
        group.MapPost("/{id:guid}/request-documents", (Guid id, RequestDocumentsRequest body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                var unknown = (body.DocumentTypes ?? []).Where(t => !ReferenceData.DocumentTypes.Contains(t)).ToList();
                return unknown.Count > 0
                    ? Task.FromResult(Problems.Validation(("documentTypes", $"unknown document type(s) {string.Join(", ", unknown)}; use {string.Join(", ", ReferenceData.DocumentTypes)}")))
                    : ActAsync(id, user, db, ct, d =>
                    {
                        CustomsProcess.EnsureAssigned(d, user.Actor());
                        d.RequestDocuments(body.DocumentTypes ?? [], body.Reason ?? "", user.Actor(), clock.GetUtcNow());
                    });
            })
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("During a documentary check, asks the declarant for more documents (06).");
        group.MapPost("/{id:guid}/additional-documents", AnswerAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The declarant answers a request for documents; they are verified and the check resumes.");
        group.MapPost("/{id:guid}/documentary-check", (Guid id, FindingsRequest body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
                ActAsync(id, user, db, ct, d =>
                {
                    CustomsProcess.EnsureAssigned(d, user.Actor());
                    d.CompleteDocumentaryCheck(body.Findings ?? "", user.Actor(), clock.GetUtcNow());
                }))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("Completes the documentary check with its findings: cleared for release (09).");
        group.MapPost("/{id:guid}/examination", ExamineAsync).RequireAuthorization(Roles.CustomsOfficer)
            .WithSummary("Records physical examination findings; corrections lead to reassessment and, if more is due, a supplementary payment.");
        Officer(group, "/{id:guid}/release", "Releases cleared goods (08).", (d, officer, reason, at) =>
        {
            CustomsProcess.EnsureAssigned(d, officer);
            d.Release(reason, officer, at);
        });
        group.MapPost("/{id:guid}/reject", (Guid id, ReasonRequest? body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
                ActAsync(id, user, db, ct, d =>
                {
                    foreach (var reference in d.Reject(body?.Reason ?? "", user.Actor(), clock.GetUtcNow()))
                        db.Publish(new DutyPaymentWithdrawn(reference, d.Id, "declaration rejected"));
                }))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("Rejects the declaration with a reason (03); unpaid payment requests are withdrawn.");
        Officer(group, "/{id:guid}/exit", "Confirms the goods left the customs territory (16).", (d, officer, reason, at) => d.ConfirmExit(reason, officer, at));
        group.MapPost("/{id:guid}/cancel", CancelAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("The declarant cancels its declaration before release (10).");
        return app;
    }

    private static void Officer(RouteGroupBuilder group, string pattern, string summary, Action<Declaration, string, string, DateTimeOffset> act) =>
        group.MapPost(pattern, (Guid id, ReasonRequest? body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
                ActAsync(id, user, db, ct, d => act(d, user.Actor(), body?.Reason ?? "", clock.GetUtcNow())))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary(summary);

    private static async Task<IResult> LodgeAsync(LodgeDeclarationRequest request, ClaimsPrincipal user, CustomsDbContext db, DeclarationValidator validator,
        TimeProvider clock, CancellationToken ct)
    {
        var (content, errors) = validator.Validate(request);
        if (content is null) return Problems.Validation(errors);
        var party = user.Party();
        var existing = await db.Declarations.AsNoTracking()
            .Where(d => d.DeclarantParty == party && d.LocalReferenceNumber == request.LocalReferenceNumber).Select(d => (Guid?)d.Id).SingleOrDefaultAsync(ct);
        if (existing is not null)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Local reference number already used.",
                detail: $"Declaration {existing} already has local reference number {request.LocalReferenceNumber}; amend it instead.",
                type: "https://tradechain.dev/problems/rule",
                extensions: new Dictionary<string, object?> { ["rule"] = "lrn-unique-per-declarant", ["declarationId"] = existing });
        }

        var declaration = Declaration.Lodge(Guid.NewGuid(), request.LocalReferenceNumber!, party, content, user.Actor(), clock.GetUtcNow());
        db.Declarations.Add(declaration);
        db.Publish(new DocumentVerificationRequested(declaration.Id, party, declaration.DocumentHashes));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same local reference number lodged at the same moment (a double click, a client retry): the first one stands.
            if (!await db.Declarations.AsNoTracking().AnyAsync(d => d.DeclarantParty == party && d.LocalReferenceNumber == request.LocalReferenceNumber, CancellationToken.None)) throw;
            return Problems.Conflict(new DomainRuleViolation("lrn-unique-per-declarant", $"Local reference number {request.LocalReferenceNumber} is already used."));
        }
        return Results.Created($"/declarations/{declaration.Id}", DeclarationView.From(declaration, officer: false));
    }

    private static async Task<IResult> AmendAsync(Guid id, LodgeDeclarationRequest request, ClaimsPrincipal user, CustomsDbContext db, DeclarationValidator validator,
        TimeProvider clock, CancellationToken ct)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct, tracked: true);
        if (declaration is null) return Problems.NotFound("declaration", id.ToString());
        var (content, errors) = validator.Validate(request);
        if (request.LocalReferenceNumber is not null && request.LocalReferenceNumber != declaration.LocalReferenceNumber)
            errors.Add(("localReferenceNumber", $"cannot change on amendment (it is {declaration.LocalReferenceNumber})"));
        if (string.IsNullOrWhiteSpace(request.Reason)) errors.Add(("reason", "an amendment needs a reason"));
        if (content is null || errors.Count > 0) return Problems.Validation(errors);
        return await SaveAsync(declaration, db, user, ct, () =>
        {
            var obsolete = declaration.Amend(content, request.Reason!, user.Actor(), clock.GetUtcNow());
            if (obsolete is not null) db.Publish(new DutyPaymentWithdrawn(obsolete, declaration.Id, $"declaration amended to version {declaration.ContentVersion}"));
            db.Publish(new DocumentVerificationRequested(declaration.Id, declaration.DeclarantParty, declaration.DocumentHashes));
        });
    }

    private static async Task<IResult> AnswerAsync(Guid id, AdditionalDocumentsRequest request, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string Field, string Rule)>();
        var documents = DeclarationValidator.ValidateDocuments(request.Documents, errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var declaration = await FindVisibleAsync(id, user, db, ct, tracked: true);
        if (declaration is null) return Problems.NotFound("declaration", id.ToString());
        var reused = documents.Select((d, i) => (d, i)).Where(x => declaration.DocumentHashes.Contains(x.d.Hash)).ToList();
        if (reused.Count > 0)
            return Problems.Validation(reused.Select(x => ($"documents[{x.i}].hash", "is already attached to the declaration: answer with the document asked for")).ToArray());
        return await SaveAsync(declaration, db, user, ct, () =>
        {
            declaration.SubmitAdditionalDocuments(documents, user.Actor(), clock.GetUtcNow());
            db.Publish(new DocumentVerificationRequested(declaration.Id, declaration.DeclarantParty, documents.Select(d => d.Hash).ToList()));
        });
    }

    private static async Task<IResult> ExamineAsync(Guid id, ExaminationRequest request, ClaimsPrincipal user, CustomsDbContext db, CustomsProcess customs,
        ReferenceData reference, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string, string)>();
        var corrections = request.Corrections ?? [];
        for (var i = 0; i < corrections.Count; i++)
        {
            var c = corrections[i];
            if (c is null) { errors.Add(($"corrections[{i}]", "is required")); continue; }
            if (c.HsCode is not null && (!System.Text.RegularExpressions.Regex.IsMatch(c.HsCode, "^[0-9]{6,10}$") || customs.Tariff.Find(c.HsCode) is null))
                errors.Add(($"corrections[{i}].hsCode", $"must be 6 to 10 digits and in the tariff"));
            if (c.OriginCountry is not null && !reference.Countries.Contains(c.OriginCountry)) errors.Add(($"corrections[{i}].originCountry", "must be an ISO 3166-1 alpha-2 country code"));
            if (c.CustomsValue is <= 0 or > DeclarationValidator.MaxCustomsValue) errors.Add(($"corrections[{i}].customsValue", "must be greater than 0 and within bounds"));
            if (c.NetMassKg is <= 0 or > DeclarationValidator.MaxMassKg) errors.Add(($"corrections[{i}].netMassKg", "must be greater than 0 and within bounds"));
            if (c.Quantity is <= 0 or > DeclarationValidator.MaxQuantity) errors.Add(($"corrections[{i}].quantity", "must be greater than 0 and within bounds"));
            if (corrections.Take(i).Any(p => p?.ItemNumber == c.ItemNumber)) errors.Add(($"corrections[{i}].itemNumber", $"item {c.ItemNumber} is corrected twice"));
            if (c is { HsCode: null, OriginCountry: null, Quantity: null, NetMassKg: null, CustomsValue: null })
                errors.Add(($"corrections[{i}]", "must correct at least one value"));
        }
        if (errors.Count > 0) return Problems.Validation(errors);
        var declaration = await FindVisibleAsync(id, user, db, ct, tracked: true);
        if (declaration is null) return Problems.NotFound("declaration", id.ToString());
        return await SaveAsync(declaration, db, user, ct, () =>
        {
            CustomsProcess.EnsureAssigned(declaration, user.Actor());
            declaration.RecordExamination(request.Findings ?? "", corrections, customs.Assess, CustomsProcess.SupplementaryReference(declaration),
                user.Actor(), clock.GetUtcNow());
            if (declaration.Status == DeclarationStatus.AwaitingSupplementaryPayment)
            {
                db.Publish(new DutyPaymentRequested(declaration.SupplementaryPaymentReference!, declaration.Id, declaration.DeclarantParty,
                    declaration.SupplementaryAmount, declaration.Assessment!.Currency));
            }
        });
    }

    private static async Task<IResult> CancelAsync(Guid id, ReasonRequest body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct, tracked: true);
        if (declaration is null) return Problems.NotFound("declaration", id.ToString());
        return await SaveAsync(declaration, db, user, ct, () =>
        {
            foreach (var reference in declaration.Cancel(body.Reason ?? "", user.Actor(), clock.GetUtcNow()))
                db.Publish(new DutyPaymentWithdrawn(reference, declaration.Id, "declaration cancelled"));
        });
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, CustomsDbContext db, string? status, string? lane, string? office, DateOnly? from, DateOnly? to,
        string? assignedTo, int? page, int? pageSize, CancellationToken ct)
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
        if (errors.Count > 0) return Problems.Validation(errors);
        if (office is not null) query = query.Where(d => d.OfficeOfDeclaration == office);
        if (from is { } f) { var ms = StartOfDayUnixMs(f); query = query.Where(d => d.LodgedAtUnixMs >= ms); }
        if (to is { } t) { var ms = StartOfDayUnixMs(t.AddDays(1)); query = query.Where(d => d.LodgedAtUnixMs < ms); }
        if (assignedTo is not null) { var officer = assignedTo == "me" ? user.Actor() : assignedTo; query = query.Where(d => d.AssignedOfficer == officer); }
        var counts = await LaneCounts.CountAsync(query, ct);
        if (laneFilter is { } chosen) query = query.Where(d => d.Lane == chosen);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(d => d.LodgedAtUnixMs).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return Results.Ok(new WorkQueuePage(items.Select(WorkItem.From).ToList(), number, size, total, counts));
    }

    private static long StartOfDayUnixMs(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, CustomsDbContext db, CancellationToken ct)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct);
        return declaration is null ? Problems.NotFound("declaration", id.ToString()) : Results.Ok(DeclarationView.From(declaration, user.IsInRole(Roles.CustomsOfficer)));
    }

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, CustomsDbContext db, TransitionHistory history, CancellationToken ct)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct);
        return declaration is null ? Problems.NotFound("declaration", id.ToString()) : Results.Ok(await history.GetAsync(declaration.AggregateType, declaration.AggregateKey, ct));
    }

    private static async Task<IResult> ActAsync(Guid id, ClaimsPrincipal user, CustomsDbContext db, CancellationToken ct, Action<Declaration> act)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct, tracked: true);
        return declaration is null ? Problems.NotFound("declaration", id.ToString()) : await SaveAsync(declaration, db, user, ct, () => act(declaration));
    }

    private static async Task<IResult> SaveAsync(Declaration declaration, CustomsDbContext db, ClaimsPrincipal user, CancellationToken ct, Action act)
    {
        try { act(); }
        catch (DomainRuleViolation violation) { return Problems.Conflict(violation); }
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(new DomainRuleViolation("concurrent-change", "The declaration changed meanwhile; read it again and retry."));
        }
        return Results.Ok(DeclarationView.From(declaration, user.IsInRole(Roles.CustomsOfficer)));
    }

    /// <summary>Customs officers see every declaration; exporters only their own; banks none.</summary>
    private static async Task<Declaration?> FindVisibleAsync(Guid id, ClaimsPrincipal user, CustomsDbContext db, CancellationToken ct, bool tracked = false)
    {
        if (!user.IsInRole(Roles.CustomsOfficer) && !user.IsInRole(Roles.Exporter)) return null;
        var query = tracked ? db.Declarations : db.Declarations.AsNoTracking();
        var declaration = await query.SingleOrDefaultAsync(d => d.Id == id, ct);
        return declaration is not null && user.MaySee(declaration.DeclarantParty) ? declaration : null;
    }
}

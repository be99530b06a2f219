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
    Guid Id, string Type, string LocalReferenceNumber, string DeclarantParty, string ExporterName, string ImporterName,
    string OfficeOfDeclaration, string Incoterm, string Status, string? StatusReason, string? Lane, string? LaneRule,
    IReadOnlyList<GoodsItem> Items, IReadOnlyList<string> DocumentHashes, AssessmentNotice? Assessment, string? PaymentReference,
    long LodgedAtUnixMs, int Version)
{
    public static DeclarationView From(Declaration d) => new(d.Id, d.Type.ToString().ToLowerInvariant(), d.LocalReferenceNumber,
        d.DeclarantParty, d.ExporterName, d.ImporterName, d.OfficeOfDeclaration, d.Incoterm, d.Status.ToString(), d.StatusReason,
        d.Lane?.ToString(), d.LaneRule, d.Items, d.DocumentHashes, d.Assessment, d.PaymentReference, d.LodgedAtUnixMs, d.Version);
}

public sealed record ReasonRequest(string? Reason);

public static class DeclarationEndpoints
{
    public static IEndpointRouteBuilder MapDeclarations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/declarations").WithTags("declarations");

        group.MapPost("/", LodgeAsync).RequireAuthorization(Roles.Exporter)
            .WithSummary("Lodges a goods declaration; customs registers it and has its documents verified.");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("Lists declarations (an exporter sees only its own), newest first.");
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.AnyParty);
        group.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("Every status change with who, when and why, each with its Merkle proof and on-chain anchoring.");
        group.MapPost("/{id:guid}/release", (Guid id, ReasonRequest body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
                ActAsync(id, user, db, ct, d => d.Release(user.Actor(), body.Reason ?? "", clock.GetUtcNow())))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("An officer releases paid goods on the yellow or red lane.");
        group.MapPost("/{id:guid}/exit", (Guid id, ReasonRequest body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
                ActAsync(id, user, db, ct, d => d.ConfirmExit(user.Actor(), body.Reason ?? "exit confirmed", clock.GetUtcNow())))
            .RequireAuthorization(Roles.CustomsOfficer).WithSummary("An officer confirms the goods left the territory.");
        group.MapPost("/{id:guid}/cancel", (Guid id, ReasonRequest body, ClaimsPrincipal user, CustomsDbContext db, TimeProvider clock, CancellationToken ct) =>
                ActAsync(id, user, db, ct, d => d.Cancel(user.Actor(), body.Reason ?? "", clock.GetUtcNow())))
            .RequireAuthorization(Roles.Exporter).WithSummary("The declarant cancels its declaration before release.");
        return app;
    }

    private static async Task<IResult> LodgeAsync(LodgeDeclarationRequest request, ClaimsPrincipal user, CustomsDbContext db, Tariff tariff,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = request.Validate(tariff);
        if (errors.Count > 0) return Problems.Validation(errors);
        var party = user.Party();
        var existing = await db.Declarations.AsNoTracking()
            .SingleOrDefaultAsync(d => d.DeclarantParty == party && d.LocalReferenceNumber == request.LocalReferenceNumber, ct);
        if (existing is not null)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Local reference number already used.",
                detail: $"Declaration {existing.Id} already has local reference number {request.LocalReferenceNumber}.",
                type: "https://tradechain.dev/problems/rule",
                extensions: new Dictionary<string, object?> { ["rule"] = "lrn-unique-per-declarant", ["declarationId"] = existing.Id });
        }

        var hashes = request.DocumentHashes!.Select(h => h.ToLowerInvariant()).ToList();
        var declaration = Declaration.Lodge(Guid.NewGuid(), Enum.Parse<DeclarationType>(request.Type!, ignoreCase: true),
            request.LocalReferenceNumber!, party, request.ExporterName!.Trim(), request.ImporterName!.Trim(), request.OfficeOfDeclaration!,
            request.Incoterm!, request.ToItems(), hashes, user.Actor(), clock.GetUtcNow());
        db.Declarations.Add(declaration);
        db.Publish(new DocumentVerificationRequested(declaration.Id, party, hashes));
        await db.SaveChangesAsync(ct);
        return Results.Created($"/declarations/{declaration.Id}", DeclarationView.From(declaration));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, CustomsDbContext db, string? status, int? page, int? pageSize, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.Declarations.AsNoTracking();
        if (user.IsInRole(Roles.Exporter)) { var party = user.Party(); query = query.Where(d => d.DeclarantParty == party); }
        else if (!user.IsInRole(Roles.CustomsOfficer)) return Results.Forbid();
        if (status is not null)
        {
            if (!Enum.TryParse<DeclarationStatus>(status, true, out var parsed)) return Problems.Validation(("status", $"must be one of {string.Join(", ", Enum.GetNames<DeclarationStatus>())}"));
            query = query.Where(d => d.Status == parsed);
        }
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(d => d.LodgedAtUnixMs).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return Results.Ok(new PagedResult<DeclarationView>(items.Select(DeclarationView.From).ToList(), number, size, total));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, CustomsDbContext db, CancellationToken ct)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct);
        return declaration is null ? Problems.NotFound("declaration", id.ToString()) : Results.Ok(DeclarationView.From(declaration));
    }

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, CustomsDbContext db, TransitionHistory history, CancellationToken ct)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct);
        return declaration is null ? Problems.NotFound("declaration", id.ToString()) : Results.Ok(await history.GetAsync(declaration.AggregateType, declaration.AggregateKey, ct));
    }

    private static async Task<IResult> ActAsync(Guid id, ClaimsPrincipal user, CustomsDbContext db, CancellationToken ct, Action<Declaration> act)
    {
        var declaration = await FindVisibleAsync(id, user, db, ct, tracked: true);
        if (declaration is null) return Problems.NotFound("declaration", id.ToString());
        try { act(declaration); }
        catch (DomainRuleViolation violation) { return Problems.Conflict(violation); }
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(new DomainRuleViolation("concurrent-change", "The declaration changed meanwhile; read it again and retry."));
        }
        return Results.Ok(DeclarationView.From(declaration));
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

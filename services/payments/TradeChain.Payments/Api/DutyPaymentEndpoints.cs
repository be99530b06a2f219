using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Domain;
using TradeChain.Messages;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Api;

public sealed record SettleRequest(string? DebtorAccount);

public sealed record DutyPaymentView(string Reference, Guid DeclarationId, string PayerParty, decimal Amount, string Currency, string Status,
    string? SettledByBank, string? DebtorAccount, long RequestedAtUnixMs, long? SettledAtUnixMs, bool AlreadySettled = false)
{
    /// <param name="viewerParty">The debtor's account is shown only to the bank that debited it and to the payer.</param>
    public static DutyPaymentView From(DutyPayment p, string? viewerParty = null, bool alreadySettled = false) => new(p.Reference, p.DeclarationId, p.PayerParty, p.Amount,
        p.Currency, p.Status.ToString(), p.SettledByBank,
        viewerParty is null || viewerParty == p.SettledByBank || viewerParty == p.PayerParty ? p.DebtorAccount : null,
        p.RequestedAtUnixMs, p.SettledAtUnixMs, alreadySettled);
}

public static class DutyPaymentEndpoints
{
    public static IEndpointRouteBuilder MapDutyPayments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/duty-payments").WithTags("duty payments");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).WithSummary("Duty payments: banks see all, an exporter its own.");
        group.MapGet("/{reference}", GetAsync).RequireAuthorization(Policies.AnyParty);
        group.MapGet("/{reference}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The payment's transitions with their Merkle proofs; the Settled transition's anchoring transaction is the receipt on chain.");
        group.MapPost("/{reference}/settle", SettleAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("A bank settles the duties; customs is notified over the bus. Settling again returns the existing settlement.");
        return app;
    }

    private static async Task<IResult> SettleAsync(string reference, SettleRequest request, ClaimsPrincipal user, PaymentsDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.DebtorAccount) || request.DebtorAccount.Length > 34)
            return Problems.Validation(("debtorAccount", "is required: the declarant's account to debit (IBAN or account number, at most 34 characters)"));
        var payment = await db.DutyPayments.SingleOrDefaultAsync(p => p.Reference == reference, ct);
        if (payment is null) return Problems.NotFound("duty payment", reference);
        if (payment.Status == DutyPaymentStatus.Settled)
        {
            // Idempotent on the reference: a retried settlement returns the first one and moves no money.
            return payment.SettledByBank == user.Party()
                ? Results.Ok(DutyPaymentView.From(payment, user.Party(), alreadySettled: true))
                : Problems.Conflict(new DomainRuleViolation("settle-once", $"Payment {reference} was already settled by another bank."));
        }
        var now = clock.GetUtcNow();
        payment.Settle(user.Party(), request.DebtorAccount, user.Actor(), now);
        db.Publish(new DutyPaymentSettled(payment.Reference, payment.DeclarationId, payment.Amount, payment.Currency, user.Party(), now.ToUnixTimeMilliseconds()));
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(new DomainRuleViolation("settle-once", $"Payment {reference} was settled concurrently; read it again."));
        }
        return Results.Ok(DutyPaymentView.From(payment, user.Party()));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, PaymentsDbContext db, string? status, int? page, int? pageSize, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.DutyPayments.AsNoTracking();
        if (user.IsInRole(Roles.Exporter)) { var party = user.Party(); query = query.Where(p => p.PayerParty == party); }
        else if (!user.IsInRole(Roles.Bank)) return Results.Forbid();
        if (status is not null)
        {
            if (!Enum.TryParse<DutyPaymentStatus>(status, true, out var parsed)) return Problems.Validation(("status", "must be Requested or Settled"));
            query = query.Where(p => p.Status == parsed);
        }
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(p => p.RequestedAtUnixMs).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return Results.Ok(new PagedResult<DutyPaymentView>(items.Select(p => DutyPaymentView.From(p, user.Party())).ToList(), number, size, total));
    }

    private static async Task<IResult> GetAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        var payment = await FindVisibleAsync(reference, user, db, ct);
        return payment is null ? Problems.NotFound("duty payment", reference) : Results.Ok(DutyPaymentView.From(payment, user.Party()));
    }

    private static async Task<IResult> HistoryAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, TransitionHistory history, CancellationToken ct)
    {
        var payment = await FindVisibleAsync(reference, user, db, ct);
        return payment is null ? Problems.NotFound("duty payment", reference) : Results.Ok(await history.GetAsync(payment.AggregateType, payment.AggregateKey, ct));
    }

    /// <summary>Banks see every duty payment; an exporter only those it owes; customs officers use the customs service.</summary>
    private static async Task<DutyPayment?> FindVisibleAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        if (!user.IsInRole(Roles.Bank) && !user.IsInRole(Roles.Exporter)) return null;
        var payment = await db.DutyPayments.AsNoTracking().SingleOrDefaultAsync(p => p.Reference == reference, ct);
        return payment is not null && user.MaySee(payment.PayerParty) ? payment : null;
    }
}

using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Api;

/// <summary>A bank's settlement of many duty payments in one request: their references, at most <see cref="DutyPaymentEndpoints.MaxBulkSettlement"/>.</summary>
public sealed record SettleDutyPaymentsRequest([property: MaxLength(DutyPaymentEndpoints.MaxBulkSettlement)] IReadOnlyList<string?>? References);

/// <summary>
/// One payment of a bulk settlement, in the request's order: <paramref name="Status"/> is what its own
/// <c>POST /duty-payments/{reference}/settle</c> would have answered — 200 Settled (also when settled by an earlier request:
/// <c>payment.alreadySettled</c>), 202 Settling (queued; the wait ran out or the client preferred not to wait), 400 a reference
/// that cannot be one (<paramref name="Errors"/>), 404 none that the bank may see, 409 refused or given up under
/// <paramref name="Rule"/>, 503 the chain or database unavailable for now (a retry resumes it). <paramref name="Payment"/> is
/// the payment as the bank may see it, when there is one it may see (none for 400, 404 and refusals before its intent was saved).
/// </summary>
public sealed record BulkSettlementItem(int Index, string? Reference, int Status, DutyPaymentView? Payment = null, string? Rule = null, string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>The items, and how many are Settled, still Settling, refused (4xx: nothing moved for them) and to retry (5xx).</summary>
public sealed record BulkSettlementResult(IReadOnlyList<BulkSettlementItem> Results, int Settled, int Settling, int Refused, int Retry);

public static partial class DutyPaymentEndpoints
{
    /// <summary>The most payments one bulk settlement names (Payments:SettlementBatchMaxItems is at most 100 too).</summary>
    public const int MaxBulkSettlement = 100;

    /// <summary>How many of a bulk settlement's payments are handled at once.</summary>
    private const int MaxBulkParallelism = 4;

    /// <summary>How much of an invalid reference an item repeats back (the request may hold a long one).</summary>
    private const int EchoedReference = 40;

    private static void MapBulkSettlement(RouteGroupBuilder group) =>
        group.MapPost("/settlements", SettleManyAsync).RequireAuthorization(Roles.Bank)
            .WithSummary($"A bank settles up to {MaxBulkSettlement} duty payments in one request, each on its own as POST /duty-payments/{{reference}}/settle would " +
                         "(the same checks, the same idempotence: a payment settled already comes back 200 with alreadySettled): their intents join the bank's queue, " +
                         "sent in one or more batch transactions, and the answer waits — at most Payments:SettlementWaitSeconds (25) from the request's start, or the client's " +
                         "Prefer: wait=<seconds> — for every one to be Settled or given up, unless the client sends Prefer: respond-async. It lists, in order, each payment's " +
                         "status (200 Settled, 202 Settling, 400 not a reference, 404 none you may see, 409 refused or given up naming its rule, 503 try again) with the " +
                         "payment as you may see it when there is one. Only for a bank whose settlements the service sends in batches (409 settle-one-by-one otherwise: " +
                         "a bank that signs its own transactions signs each transfer, and with batching off each settlement is its own transaction).");

    private static async Task<IResult> SettleManyAsync(SettleDutyPaymentsRequest? request, ClaimsPrincipal user, HttpContext http, IServiceScopeFactory scopes,
        DutySettlementQueue queue, RecordChanges changes, PaymentsDbContext db, Microsoft.Extensions.Options.IOptions<PaymentsOptions> options, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken ct)
    {
        // The wait is counted from the request's start, so that the items' own handling does not lengthen it.
        var (respondAsync, wait) = TradeChain.ServiceDefaults.Prefer.Of(http.Request, TimeSpan.FromSeconds(Math.Max(0, options.Value.SettlementWaitSeconds)));
        var deadline = clock.GetUtcNow() + wait;
        if (request?.References is not { Count: > 0 and <= MaxBulkSettlement } references)
            return Problems.Validation(("references", $"must hold between 1 and {MaxBulkSettlement} duty payment references"));
        // A signed (or wallet-sent) transaction is one payment's transfer: it cannot settle a list.
        foreach (var header in new[] { PartySignatures.Header, PartySignatures.SentHeader })
            if (http.Request.Headers.ContainsKey(header))
                return Problems.Validation((header, "one signed or sent transaction settles one payment: send it with POST /duty-payments/{reference}/settle"));
        var bank = Caller.From(user);
        if (!queue.Batches(bank.Party))
            throw new DomainRuleViolation("settle-one-by-one",
                $"This service does not send {bank.Party}'s settlements in batches (the bank signs its own chain transactions, or batching is off): " +
                "settle each payment on its own with POST /duty-payments/{reference}/settle.");

        // Stops between items when the caller goes away (each item is a unit of work of its own; the rest is simply not begun).
        var callerAborted = http.CallerAborted(ct);
        var items = new BulkSettlementItem[references.Count];
        var payments = new Dictionary<string, DutyPayment>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var logger = loggers.CreateLogger("TradeChain.Payments.BulkSettlement");
        // First the references themselves, in order (a repeated one is refused where it repeats).
        var toSettle = new List<(int Index, string Reference)>();
        for (var i = 0; i < references.Count; i++)
        {
            var reference = references[i];
            if (string.IsNullOrWhiteSpace(reference) || TextRules.Problem(reference, InputLimits.Reference) is not null)
                items[i] = Invalid(i, reference, TextRules.Problem(reference, InputLimits.Reference) ?? "must be a duty payment reference, not empty");
            else if (!seen.Add(reference)) items[i] = Invalid(i, reference, $"names the same payment as an earlier item ({reference})");
            else toSettle.Add((i, reference));
        }
        // Then each payment in its own unit of work, as its own request would be: one refused leaves the others alone. A few
        // at a time (MaxBulkParallelism), each joining the bank's queue (and waking its lane) as its intent is saved, so the
        // first are on their way to the chain while the last are still checked.
        var begun = new System.Collections.Concurrent.ConcurrentDictionary<string, DutyPayment>(StringComparer.Ordinal);
        try
        {
            await Parallel.ForEachAsync(toSettle, new ParallelOptions { MaxDegreeOfParallelism = MaxBulkParallelism, CancellationToken = callerAborted },
                async (item, _) =>
                {
                    var (i, reference) = item;
                    try
                    {
                        await using var scope = scopes.CreateAsyncScope();
                        var settled = await scope.ServiceProvider.GetRequiredService<SettleDutyPayment>().HandleAsync(reference, bank, ct, queuedOnly: true);
                        if (settled is null) items[i] = new BulkSettlementItem(i, reference, StatusCodes.Status404NotFound, Rule: "not-found", Detail: $"No duty payment '{reference}' that you may see.");
                        else
                        {
                            begun[reference] = settled.Payment;
                            items[i] = Answered(i, settled.Payment, bank.Party, settled.AlreadySettled);
                        }
                    }
                    catch (Exception e) // every failure of an item is that item's answer
                    {
                        var (status, _, detail, failure) = ProblemExceptionHandler.Describe(e, callerAborted: false);
                        // Nothing an item does reads the client's JSON: a failure that names it is the service's own.
                        if (failure is null or "readable-json")
                        {
                            logger.LogError(e, "Bulk settlement of {Reference} failed", reference);
                            (status, detail, failure) = (StatusCodes.Status500InternalServerError, "The failure was logged.", "unexpected");
                        }
                        items[i] = new BulkSettlementItem(i, reference, status, Rule: failure, Detail: detail);
                    }
                });
        }
        catch (OperationCanceledException) when (callerAborted.IsCancellationRequested)
        {
            return Results.Empty; // no one to answer: the items not begun are not begun; what was begun goes on
        }
        foreach (var (reference, payment) in begun) payments[reference] = payment;

        var waiting = payments.Values.Where(p => p.IsBeingSettledBy(bank.Party)).Select(p => p.Reference).ToList();
        if (respondAsync) http.Response.Headers["Preference-Applied"] = "respond-async";
        // A place among the waiting settlements for each payment waited for (Payments:SettlementMaxWaiters in all).
        else if (waiting.Count > 0 && deadline > clock.GetUtcNow() && queue.TryJoinWaiting(waiting.Count))
        {
            try
            {
                await FollowSettlingAsync(waiting, bank.Party, deadline, db, changes, clock, callerAborted, payments);
            }
            catch (OperationCanceledException) when (callerAborted.IsCancellationRequested)
            {
                return Results.Empty; // no one to answer
            }
            finally
            {
                queue.LeaveWaiting(waiting.Count);
            }
            // Why those given up were given up, in words (one query, as a duty payment list gives it).
            var reasons = await DutyPaymentQueries.RefusalDetailsAsync(db, waiting.Select(r => payments[r]), ct);
            for (var i = 0; i < items.Length; i++)
                if (items[i] is { Status: StatusCodes.Status202Accepted, Reference: { } r } && payments.TryGetValue(r, out var now))
                    items[i] = Answered(i, now, bank.Party, alreadySettled: false, reasons.GetValueOrDefault(r));
        }
        var settledCount = items.Count(x => x.Status == StatusCodes.Status200OK);
        var settlingCount = items.Count(x => x.Status == StatusCodes.Status202Accepted);
        var retryCount = items.Count(x => x.Status >= StatusCodes.Status500InternalServerError);
        // Read those payments (or long-poll them) again, or ask again for those to retry, after that.
        if (settlingCount + retryCount > 0) http.Response.Headers.RetryAfter = "2";
        return Results.Ok(new BulkSettlementResult(items, settledCount, settlingCount, items.Length - settledCount - settlingCount - retryCount, retryCount));
    }

    private static BulkSettlementItem Invalid(int index, string? reference, string why) =>
        new(index, reference is { Length: > EchoedReference } ? reference[..EchoedReference] + "…" : reference, StatusCodes.Status400BadRequest,
            Rule: "validation", Detail: why, Errors: new Dictionary<string, string[]> { [$"references[{index}]"] = [why] });

    /// <summary>
    /// A payment's item as its own settle request would answer it now: Settled by this bank 200, being settled by it 202,
    /// being settled by another bank 409 settle-once; otherwise given up (or withdrawn by customs) 409 naming the rule recorded
    /// on it, <paramref name="why"/> its refusal in words (<see cref="DutyPaymentQueries.RefusalDetailsAsync"/>).
    /// </summary>
    private static BulkSettlementItem Answered(int index, DutyPayment payment, string bank, bool alreadySettled, string? why = null)
    {
        var view = DutyPaymentView.From(payment, bank, alreadySettled, why);
        if (payment.IsSettledBy(bank)) return new BulkSettlementItem(index, payment.Reference, StatusCodes.Status200OK, view);
        if (payment.IsBeingSettledBy(bank)) return new BulkSettlementItem(index, payment.Reference, StatusCodes.Status202Accepted, view);
        if (payment.Status is DutyPaymentStatus.Settling or DutyPaymentStatus.Settled)
            return new BulkSettlementItem(index, payment.Reference, StatusCodes.Status409Conflict, view, "settle-once",
                $"Duty payment {payment.Reference} is {(payment.Status == DutyPaymentStatus.Settled ? "settled" : "being settled")} by another bank.");
        var rule = payment.SettlementRefusal ?? (payment.Status == DutyPaymentStatus.Withdrawn ? "payment-withdrawn" : "settlement-given-up");
        return new BulkSettlementItem(index, payment.Reference, StatusCodes.Status409Conflict, view, rule,
            $"Duty payment {payment.Reference}'s settlement was given up and nothing moved: it is now {payment.Status} ({why ?? "see its history"}).");
    }

    /// <summary>
    /// Follows the payments <paramref name="references"/> this bank is settling (a bulk settlement's, or a single settle request's one) until none is, or <paramref name="deadline"/>:
    /// woken when a commit of this process moves one of them (a bank's batch commits its payments together), else reading
    /// them again every <see cref="RecordChanges.RecheckInterval"/> (another replica's lane). <paramref name="payments"/> is
    /// updated with each one's latest state.
    /// </summary>
    private static async Task FollowSettlingAsync(IReadOnlyList<string> references, string bank, DateTimeOffset deadline, PaymentsDbContext db, RecordChanges changes,
        TimeProvider clock, CancellationToken ct, Dictionary<string, DutyPayment> payments)
    {
        // Each lease is taken before the payment is read again, so a commit between that read and the wait still wakes it
        // (none when the bank has no place left to wait in, RecordChanges.MaxWaitingPerParty: that payment is then found by the recheck).
        var leases = references.ToDictionary(r => r, r => changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, r), bank), StringComparer.Ordinal);
        try
        {
            var pending = references.ToList();
            var next = leases.ToDictionary(l => l.Key, l => l.Value?.Changed, StringComparer.Ordinal);
            while (true)
            {
                var now = await db.DutyPayments.AsNoTracking().Where(p => pending.Contains(p.Reference)).ToListAsync(ct);
                foreach (var payment in now) payments[payment.Reference] = payment;
                pending = [.. pending.Where(r => payments[r].IsBeingSettledBy(bank))];
                var left = deadline - clock.GetUtcNow();
                if (pending.Count == 0 || left <= TimeSpan.Zero) return;
                var wakers = pending.Select(r => next[r]).OfType<Task>();
                await Task.WhenAny([.. wakers, Task.Delay(left < RecordChanges.RecheckInterval ? left : RecordChanges.RecheckInterval, clock, ct)]);
                ct.ThrowIfCancellationRequested();
                foreach (var r in pending) next[r] = leases[r]?.NextChange();
            }
        }
        finally
        {
            foreach (var lease in leases.Values) lease?.Dispose();
        }
    }
}

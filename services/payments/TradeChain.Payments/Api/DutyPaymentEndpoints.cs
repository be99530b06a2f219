using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Payments.Api;


/// <param name="SettlementRefusal">Why the last settlement begun was given up, nothing having moved, while that is the payment's news: given
/// while it is Requested (or Withdrawn) again after it; none once a settlement begins anew or it is Settled.</param>
public sealed record DutyPaymentView(string Reference, Guid DeclarationId, string PayerParty, decimal Amount, string Currency, string Status,
    string? SettledByBank, string? DebtorAccount, long RequestedAtUnixMs, long? SettledAtUnixMs, string? SettlementTransactionHash, bool AlreadySettled = false,
    string? WithdrawalReason = null, int Version = 0, SettlementRefusalView? SettlementRefusal = null)
{
    /// <param name="viewerParty">The debtor's account is shown only to the bank that debited it and to the payer.</param>
    /// <param name="refusalDetail">The settlement's refusal in words (<see cref="DutyPaymentQueries.RefusalDetailAsync"/>), when it is given.</param>
    public static DutyPaymentView From(DutyPayment p, string? viewerParty = null, bool alreadySettled = false, string? refusalDetail = null) => new(p.Reference,
        p.DeclarationId, p.PayerParty, p.Amount, p.Currency, p.Status.ToString(), p.SettledByBank,
        viewerParty is null || viewerParty == p.SettledByBank || viewerParty == p.PayerParty ? p.DebtorAccount : null,
        p.RequestedAtUnixMs, p.SettledAtUnixMs, p.SettlementTransactionHash, alreadySettled, p.WithdrawalReason, p.Version,
        DutyPaymentQueries.RefusalShown(p) ? SettlementRefusalView.Of(p.SettlementRefusal!, refusalDetail) : null);
}

/// <summary>A settlement given up with nothing moved.</summary>
/// <param name="Rule">The rule that refused it: <c>contract:&lt;Error&gt;</c> when the token refused the transfer, else the service's own.</param>
/// <param name="Detail">What happened, in words (the payment's history entry of it; at most <see cref="MaxDetail"/> characters).</param>
public sealed record SettlementRefusalView(string Rule, string? Detail)
{
    public const int MaxDetail = 1_000;

    public static SettlementRefusalView Of(string rule, string? detail) =>
        new(rule, detail is { Length: > MaxDetail } ? detail[..(MaxDetail - 1)] + "…" : detail);
}

/// <param name="SignedTransaction">The bank's own signature of the transaction from <c>/settle/transaction</c> (0x, RLP hex); omitted: the
/// bank's signer configured in the service signs.</param>
/// <param name="SentTransaction">The hash of that transaction when the bank's wallet signed and sent it itself (browser wallets such as
/// MetaMask sign only by sending): recorded once mined, if it is exactly this payment's transfer from the bank's account.</param>
public sealed record SettleRequest(
    [property: System.ComponentModel.DataAnnotations.MaxLength(TradeChain.Ledger.DecodedTransaction.MaxRawLength)] string? SignedTransaction,
    [property: System.ComponentModel.DataAnnotations.MaxLength(66)] string? SentTransaction = null);

public static partial class DutyPaymentEndpoints
{
    public static IEndpointRouteBuilder MapDutyPayments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/duty-payments").WithTags("duty payments");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.AnyParty).Produces<PagedResult<DutyPaymentView>>().Produces(StatusCodes.Status304NotModified)
            .WithSummary("Duty payments: a bank those of the declarants that mandated it and those it settled, an exporter its own. " + ListChanges.Summary("duty payments"));
        group.MapGet("/{reference}", GetAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The duty payment (version: its number of status changes). " + LongPoll.Summary("duty payment"));
        group.MapGet("/{reference}/history", HistoryAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The payment's transitions with their Merkle proofs; the Settled transition's anchoring transaction is the receipt on chain.");
        group.MapPost("/{reference}/settle", SettleAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("The declarant's bank pays the duties from the declarant's settlement account to the customs treasury's (a token transfer on chain); customs is notified over the bus. Settling again returns the existing settlement. " +
                         "A bank whose key the service's signer holds has its settlements sent in batches (one chain transaction per currency for each of the bank's flushes, several of them in flight): the answer waits for the payment to be Settled (200) — at most Payments:SettlementWaitSeconds (25) or the client's Prefer: wait=<seconds> — unless the client sends Prefer: respond-async (RFC 7240), or the wait runs out: then 202 Accepted with the payment (Settling) and its Location; it becomes Settled when the batch's receipt carries its Payment event, or is given up (a waiting answer is then 409 naming the rule — contract:<Error> when the token refused the transfer — and the payment's history says why). " +
                         "A bank that signs itself gives signedTransaction (or gets 409 signature-required with the transaction to sign; 409 signed-transaction-stale when it can no longer be sent as signed, e.g. its nonce was used); a bank whose wallet sent the transfer itself gives its hash as sentTransaction (409 transaction-pending until it is mined) — also for a payment customs withdrew meanwhile: the money moved, so it is recorded Settled with the withdrawal noted (withdrawalReason).");
        MapBulkSettlement(group);
        group.MapPost("/{reference}/settle/transaction", PrepareAsync).RequireAuthorization(Roles.Bank)
            .WithSummary("For a bank that signs its own transactions: the settlement's token transfer as an unsigned EIP-1559 transaction for the calling bank's account " +
                         "(its pending nonce, current fees, estimated gas) in eth_signTransaction's shape. Sign it unchanged (tradechain sign, or a wallet) and send it as " +
                         "signedTransaction to /settle: the bank's key never reaches TradeChain. A wallet that signs only by sending sends the same call itself (with its own nonce and fees) and its hash goes to /settle as sentTransaction.");
        group.MapGet("/{reference}/messages", MessagesAsync).RequireAuthorization(Policies.AnyParty)
            .WithSummary("The settlement's ISO 20022 messages: pacs.008 between the banks, camt.054 debit and credit notifications.");
        return app;
    }

    private static async Task<IResult> SettleAsync(string reference, SettleRequest? request, ClaimsPrincipal user, HttpContext http, SettleDutyPayment settle,
        DutySettlementQueue queue, RecordChanges changes, PaymentsDbContext db, Microsoft.Extensions.Options.IOptions<PaymentsOptions> options, TimeProvider clock,
        CancellationToken ct)
    {
        if (request?.SentTransaction is { } sent)
        {
            if (!TransactionHash().IsMatch(sent)) return Problems.Validation(("sentTransaction", "must be a transaction hash: 0x and 64 hexadecimal digits"));
            if (request.SignedTransaction is not null)
                return Problems.Validation(("sentTransaction", "give either signedTransaction (TradeChain sends it) or sentTransaction (your wallet sent it), not both"));
        }
        if (await settle.HandleAsync(reference, Caller.From(user), ct, request?.SignedTransaction, request?.SentTransaction) is not { } settlement)
            return Problems.NotFound("duty payment", reference);
        var payment = settlement.Payment;
        if (payment.Status != DutyPaymentStatus.Settling) return Results.Ok(DutyPaymentView.From(payment, user.Party(), settlement.AlreadySettled));

        // Queued for the bank's next batch transaction (or sent already): unless the client prefers not to wait (RFC 7240
        // respond-async), the answer waits — at most its wait= or Payments:SettlementWaitSeconds — for the payment's record.
        var (respondAsync, wait) = Prefer.Of(http.Request, TimeSpan.FromSeconds(Math.Max(0, options.Value.SettlementWaitSeconds)));
        // Waiting moves nothing: it stops when the caller goes away (the settlement goes on in its lane).
        var callerAborted = http.CallerAborted(ct);
        if (!respondAsync && queue.TryJoinWaiting())
        {
            try
            {
                // Followed as a bulk settlement follows its payments (DutyPaymentBulkSettlement.cs), here the one.
                var followed = new Dictionary<string, DutyPayment>(StringComparer.Ordinal) { [reference] = payment };
                await FollowSettlingAsync([reference], user.Party(), clock.GetUtcNow() + wait, db, changes, clock, callerAborted, followed);
                payment = followed[reference];
            }
            catch (OperationCanceledException) when (callerAborted.IsCancellationRequested)
            {
                return Results.Empty; // no one to answer
            }
            finally
            {
                queue.LeaveWaiting();
            }
            if (payment.IsSettledBy(user.Party())) return Results.Ok(DutyPaymentView.From(payment, user.Party()));
            if (!payment.IsBeingSettledBy(user.Party()))
            {
                // Given up, as a settlement made in the request is: withdrawn by customs meanwhile (payment-withdrawn), taken up by
                // another bank since (settle-once), or refused — under the rule recorded on the payment (contract:<Error> when the
                // token refused the transfer), its last transition saying why.
                if (payment.Status != DutyPaymentStatus.Requested) payment.EnsureSettleable(user.Party(), currencySettles: true);
                var why = await DutyPaymentQueries.LastReasonAsync(db, reference, ct);
                throw new TradeChain.Domain.DomainRuleViolation(payment.SettlementRefusal ?? "settlement-given-up",
                    $"Duty payment {reference}'s settlement was given up and nothing moved: it is {payment.Status} again ({why}).");
            }
        }
        return Prefer.Accepted(http.Response, respondAsync, $"/duty-payments/{Uri.EscapeDataString(reference)}", DutyPaymentView.From(payment, user.Party()));
    }

    [System.Text.RegularExpressions.GeneratedRegex("^0x[0-9a-fA-F]{64}$")]
    private static partial System.Text.RegularExpressions.Regex TransactionHash();

    private static async Task<IResult> PrepareAsync(string reference, ClaimsPrincipal user, SettleDutyPayment settle, SettlementLedger ledger, CancellationToken ct) =>
        await settle.PrepareAsync(reference, Caller.From(user), ct) is { } transaction
            ? Results.Ok(TradeChain.Ledger.SigningRequest.Of(transaction, ledger.Wallets.AddressOf(user.Party()),
                $"the transfer of duty payment {reference} from the declarant's account to the customs treasury's"))
            : Problems.NotFound("duty payment", reference);

    private static async Task<IResult> MessagesAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        var payment = await FindVisibleAsync(reference, user, db, ct);
        if (payment is null) return Problems.NotFound("duty payment", reference);
        return Results.Ok(await MessageEndpoints.ListAsync(db, reference, user, ct));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ClaimsPrincipal user, PaymentsDbContext db, ListChanges lists, string? status, int? page, int? pageSize,
        int? waitSeconds, CancellationToken ct)
    {
        var (number, size) = Paging.Normalise(page, pageSize);
        var query = db.DutyPayments.AsNoTracking();
        var caller = user.Party();
        if (user.IsInRole(Roles.Exporter)) query = query.Where(p => p.PayerParty == caller);
        else if (user.IsInRole(Roles.Bank))
            // A bank sees the duties of the declarants that mandated it (in the duty's currency), and those it settled.
            query = DutyPaymentQueries.VisibleToBank(db, caller).AsNoTracking();
        else return Results.Forbid();
        if (status is not null)
        {
            if (!Enum.TryParse<DutyPaymentStatus>(status, true, out var parsed)) return Problems.Validation(("status", "must be Requested, Settling, Settled or Withdrawn"));
            query = query.Where(p => p.Status == parsed);
        }
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        return await lists.AnswerAsync(http, db, DutyPayment.RecordType, waitSeconds, async c =>
        {
            var total = await query.CountAsync(c);
            var items = await query.OrderByDescending(p => p.RequestedAtUnixMs).ThenBy(p => p.Reference).Skip((number - 1) * size).Take(size).ToListAsync(c);
            var refusals = await DutyPaymentQueries.RefusalDetailsAsync(db, items, c);
            return new PagedResult<DutyPaymentView>(
                items.Select(p => DutyPaymentView.From(p, caller, refusalDetail: refusals.GetValueOrDefault(p.Reference))).ToList(), number, size, total);
        }, ct);
    }

    /// <summary>The duty payment; with afterVersion and waitSeconds, a long-poll for its next transition (see <see cref="RecordChanges"/>).</summary>
    private static async Task<IResult> GetAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, RecordChanges changes, TimeProvider clock,
        int? afterVersion, int? waitSeconds, CancellationToken ct)
    {
        var (wait, errors) = LongPoll.Of(afterVersion, waitSeconds, "duty payment");
        if (LongPoll.Refused(errors) is { } refused) return refused;
        // The version as the caller may see it: the first read and each recheck while waiting.
        Func<CancellationToken, Task<int?>> versionFor = read => VisibleVersionOfAsync(reference, user, db, read);
        var payment = await changes.FollowAsync(RecordChanges.KeyOf(DutyPayment.RecordType, reference), user.Party(), wait,
            read => FindVisibleAsync(reference, user, db, read), p => p.Version, versionFor, clock, ct, visibleVersionOf: versionFor);
        return payment is null
            ? Problems.NotFound("duty payment", reference)
            : Results.Ok(DutyPaymentView.From(payment, user.Party(), refusalDetail: await DutyPaymentQueries.RefusalDetailAsync(db, payment, ct)));
    }

    private static async Task<IResult> HistoryAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, TransitionHistory history, CancellationToken ct)
    {
        var payment = await FindVisibleAsync(reference, user, db, ct);
        return payment is null ? Problems.NotFound("duty payment", reference) : Results.Ok(await history.GetAsync(payment.AggregateType, payment.AggregateKey, ct));
    }

    /// <summary>
    /// An exporter sees the duties it owes; a bank those of declarants that mandated it (and those it settled); customs
    /// officers use the customs service.
    /// </summary>
    private static async Task<DutyPayment?> FindVisibleAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        if (!MayReadAny(user)) return null;
        var payment = await ByReference(db, reference, ct);
        return payment is not null && await MayReadAsync(user, payment.PayerParty, payment.Currency, payment.SettledByBank, db, ct) ? payment : null;
    }

    /// <summary>
    /// The payment's version when the caller may see it (the rule of <see cref="FindVisibleAsync"/>, on the columns it
    /// needs), else null: what a waiting long-poll reads, rather than the whole payment.
    /// </summary>
    private static async Task<int?> VisibleVersionOfAsync(string reference, ClaimsPrincipal user, PaymentsDbContext db, CancellationToken ct)
    {
        if (!MayReadAny(user)) return null;
        var found = await VersionOf(db, reference, ct);
        return found is not null && await MayReadAsync(user, found.PayerParty, found.Currency, found.SettledByBank, db, ct) ? found.Version : null;
    }

    // Compiled queries: the reads a payment's follow makes. See CompiledQuery.
    private static readonly Func<PaymentsDbContext, string, CancellationToken, Task<DutyPayment?>> ByReference =
        CompiledQuery.PerModel((PaymentsDbContext db, string reference, CancellationToken ct) => db.DutyPayments.AsNoTracking().SingleOrDefault(p => p.Reference == reference));

    private static readonly Func<PaymentsDbContext, string, CancellationToken, Task<VersionAndReaders?>> VersionOf =
        CompiledQuery.PerModel((PaymentsDbContext db, string reference, CancellationToken ct) => db.DutyPayments.AsNoTracking().Where(p => p.Reference == reference)
            .Select(p => new VersionAndReaders(p.Version, p.PayerParty, p.Currency, p.SettledByBank)).SingleOrDefault());

    private sealed record VersionAndReaders(int Version, string PayerParty, string Currency, string? SettledByBank);

    private static bool MayReadAny(ClaimsPrincipal user) => user.IsInRole(Roles.Bank) || user.IsInRole(Roles.Exporter);

    /// <summary>Who may read a duty payment: its payer, and a bank its payer mandated in its currency or that settled it.</summary>
    private static async Task<bool> MayReadAsync(ClaimsPrincipal user, string payerParty, string currency, string? settledByBank, PaymentsDbContext db,
        CancellationToken ct)
    {
        var caller = user.Party();
        if (user.IsInRole(Roles.Exporter)) return payerParty == caller;
        return await DutyPaymentQueries.BankMaySeeAsync(db, payerParty, currency, settledByBank, caller, ct);
    }
}

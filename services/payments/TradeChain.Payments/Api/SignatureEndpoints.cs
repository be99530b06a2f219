using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using TradeChain.Ledger;
using TradeChain.Payments.Application;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Payments.Api;

/// <param name="Transaction">What to sign, unchanged, in <c>eth_signTransaction</c>'s shape (<c>tradechain sign --transaction</c> takes it as is).</param>
/// <param name="RequestedBy">The party whose step waits for this signature (for a booking's void: the bank itself, whose clerk asked the cancel).</param>
/// <param name="Status">awaiting, submitting (signed and sent: the chain decides), completed, expired or overtaken.</param>
/// <param name="Outcome">How it ended, in words (completed, expired, overtaken).</param>
/// <param name="Version">Grows with every change of it (claimed, prepared again, closed): a client follows it with afterVersion and waitSeconds.</param>
public sealed record PendingSignatureView(Guid Id, string Party, string Account, string Kind, string Purpose, string RequestedBy, string Status,
    SigningRequest Transaction, long CreatedAtUnixMs, long ExpiresAtUnixMs, long? ClosedAtUnixMs, string? TransactionHash, string? Outcome, int Version)
{
    public static PendingSignatureView From(PendingSignature p) => new(p.Id, p.Party, p.Address, p.Kind, p.Purpose, p.RequestedBy, Name(p.Status),
        SignatureQueue.Transaction(p), p.CreatedAtUnixMs, p.ExpiresAtUnixMs, p.ClosedAtUnixMs, p.TransactionHash, p.Outcome, p.Version);

    public static string Name(PendingSignatureStatus status) => status.ToString().ToLowerInvariant();
}

/// <summary>The answer to a step that waits for another party's signature (202): whose, and the pending signature's id.</summary>
/// <param name="Status">Always "awaiting-signature".</param>
public sealed record AwaitingSignatureView(string Status, string Detail, Guid PendingSignatureId, string Party, string Purpose, long ExpiresAtUnixMs)
{
    public static AwaitingSignatureView From(PendingSignature p) => new("awaiting-signature",
        $"Awaiting {p.Party}'s signature: {p.Party} signs itself, and this step is its chain transaction. Nothing is saved or sent until it signs (GET /signatures/pending, POST /signatures/{{id}}).",
        p.Id, p.Party, p.Purpose, p.ExpiresAtUnixMs);
}

/// <param name="SignedTransaction">The party's signature of the pending transaction (0x, RLP hex of the signed EIP-1559 transaction).</param>
/// <param name="SentTransaction">Instead: the hash of the pending transaction as the party's wallet sent it itself (0x and 64 hex digits); taken once mined.</param>
public sealed record SignatureRequest([property: MaxLength(DecodedTransaction.MaxRawLength)] string? SignedTransaction, [property: MaxLength(66)] string? SentTransaction);

/// <summary>
/// A party that signs itself lists the signatures steps wait for from it (other parties' steps, and its own bookings' voids), reads one, and submits its signature
/// (Application/PendingSignatures.cs). Only that party, in the role the step needs, sees or signs one: to anybody
/// else it does not exist (404); the right party in another role is refused (403).
/// </summary>
public static class SignatureEndpoints
{
    public static IEndpointRouteBuilder MapSignatures(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/signatures").WithTags("signatures").RequireAuthorization(Policies.AnyParty);
        group.MapGet("/pending", ListAsync)
            .WithSummary("The signatures steps wait for from the caller's party (it signs itself): other parties' steps (credit-amendment) and the voids of its own cancelled bookings (booking-void), newest first, at most 100; all=true includes those completed, expired or overtaken.");
        group.MapGet("/{id:guid}", GetAsync).WithSummary("One pending signature of the caller's party: what it is for, the transaction to sign, where it stands. " +
                                                         LongPoll.Summary("pending signature"));
        group.MapPost("/{id:guid}", SubmitAsync)
            .WithSummary("The caller's party signs a pending transaction (signedTransaction), or gives the hash of it as its wallet sent it (sentTransaction; 409 transaction-pending until mined): checked to be exactly that call by its account, sent, and the waiting step taken. Submitted again: the same result. Gone stale: 409 signed-transaction-stale with a new transaction to sign.");
        return app;
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, PaymentsDbContext db, SubmitSignature submit, TimeProvider clock, CancellationToken ct, bool all = false)
    {
        var listed = await PendingSignatureQueries.ListAsync(db, user.Party(), awaitingOnly: !all, clock.GetUtcNow(), ct, expired => submit.AbandonAsync(expired, ct));
        var views = new List<PendingSignatureView>();
        foreach (var pending in listed.Where(p => user.IsInRole(p.Role)))
        {
            // One a submission claimed and did not finish (a restart): resolved from the chain as it is read.
            var current = await submit.ResumeClaimedAsync(pending, ct);
            if (all || current.Open) views.Add(PendingSignatureView.From(current));
        }
        return Results.Ok(views);
    }

    /// <summary>
    /// One pending signature; with afterVersion and waitSeconds a long-poll for its next change (<see cref="RecordChanges"/>:
    /// read again every <see cref="RecordChanges.RecheckInterval"/>, and one being submitted resolved from the chain then).
    /// </summary>
    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, PaymentsDbContext db, SubmitSignature submit, RecordChanges changes,
        TimeProvider clock, int? afterVersion, int? waitSeconds, CancellationToken ct)
    {
        var (wait, errors) = LongPoll.Of(afterVersion, waitSeconds, "pending signature");
        if (LongPoll.Refused(errors) is { } refused) return refused;
        var pending = await PendingSignatureQueries.FindAsync(db, id, user.Party(), ct);
        if (pending is null) return Problems.NotFound("pending signature", id.ToString());
        if (!user.IsInRole(pending.Role)) return RoleRefused(pending);
        async Task<PendingSignature?> CurrentAsync(CancellationToken read)
        {
            db.ChangeTracker.Clear(); // as it is now, not as this request first loaded it
            var current = await PendingSignatureQueries.FindAsync(db, id, user.Party(), read);
            if (current is null) return null;
            if (current.ExpireIfDue(clock.GetUtcNow()))
            {
                await db.SaveChangesAsync(read);
                await submit.AbandonAsync(current, read);
            }
            // Being submitted: the chain says whether its transaction was mined (then the step is taken now) or dropped.
            return await submit.ResumeClaimedAsync(current, read);
        }

        // Each recheck of a waiting request reads it whole, so a submission whose request went away is still followed to its end.
        var followed = await changes.FollowAsync(RecordChanges.KeyOf(RecordType, id.ToString()), user.Party(), wait, CurrentAsync, p => p.Version,
            async read => (await CurrentAsync(read))?.Version, clock, ct);
        return followed is null ? Problems.NotFound("pending signature", id.ToString()) : Results.Ok(PendingSignatureView.From(followed));
    }

    /// <summary>The record type of a pending signature among the records a client may follow.</summary>
    private const string RecordType = "pending-signature";

    private static async Task<IResult> SubmitAsync(Guid id, SignatureRequest request, ClaimsPrincipal user, PaymentsDbContext db, SubmitSignature submit, CancellationToken ct)
    {
        var signedGiven = !string.IsNullOrWhiteSpace(request.SignedTransaction);
        if (signedGiven == (request.SentTransaction is not null))
            return Problems.Validation(("signedTransaction", "is required: your signature of the pending transaction (0x and hex digits) — or, instead, sentTransaction"));
        if (request.SentTransaction is { } sent && !TradeChain.Domain.Hashing.Hex.IsHash32(sent))
            return Problems.Validation(("sentTransaction", "must be a transaction hash: 0x followed by 64 hex digits"));
        var found = await PendingSignatureQueries.FindAsync(db, id, user.Party(), ct);
        if (found is null) return Problems.NotFound("pending signature", id.ToString());
        if (!user.IsInRole(found.Role)) return RoleRefused(found);
        var result = await submit.HandleAsync(id, Caller.From(user), signedGiven ? request.SignedTransaction!.Trim() : null, request.SentTransaction, ct);
        if (result is null) return Problems.NotFound("pending signature", id.ToString());
        var view = PendingSignatureView.From(result.Pending);
        if (result.Stale)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The signed transaction went stale.", detail: result.StaleReason,
                type: Problems.RuleType, extensions: new Dictionary<string, object?>
                {
                    ["rule"] = PartyTransactions.StaleRule, ["transaction"] = view.Transaction, ["pendingSignature"] = view,
                });
        return result.Pending.Status == PendingSignatureStatus.Completed
            ? Results.Ok(view)
            : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The signature is no longer awaited.", detail: result.Pending.Outcome,
                type: Problems.RuleType, extensions: new Dictionary<string, object?> { ["rule"] = "signature-" + view.Status, ["pendingSignature"] = view });
    }

    private static IResult RoleRefused(PendingSignature pending) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not in this role.",
            detail: $"This signature is {pending.Party}'s as {pending.Role}: sign in in that role to see or sign it.", type: Problems.RuleType,
            extensions: new Dictionary<string, object?> { ["rule"] = "role" });
}

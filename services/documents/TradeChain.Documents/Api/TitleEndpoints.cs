using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using TradeChain.Documents.Application;
using TradeChain.Domain;
using TradeChain.Ledger.Contracts.TitleRegistry;
using TradeChain.ServiceDefaults;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Documents.Api;

/// <summary>The party to move the title to (nominate, transfer-holder, endorse).</summary>
public sealed record TitleStepRequest([property: MaxLength(InputLimits.Party)] string? To);

/// <summary>
/// The transferable bill of lading's title (<see cref="ReadTitles"/>, <see cref="MoveTitle"/>): each step maps to the
/// title registry function it signs.
/// </summary>
public static class TitleEndpoints
{
    public static IEndpointRouteBuilder MapTitles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/documents/{id:guid}/title").WithTags("titles").RequireAuthorization(Policies.AnyParty);
        group.MapGet("/", GetAsync).Produces<TitleView>().Produces(StatusCodes.Status304NotModified)
            .WithSummary("The title: holder, beneficiary, nominee, state, and the endorsement chain from the chain's events. " + ListChanges.RecordSummary("title") +
                         $" Woken by the title registry's events as this process indexes them; read again every {FollowReadAgainAnyway.TotalSeconds:0} s anyway (another replica's index).");
        group.MapPost("/nominate", (Guid id, TitleStepRequest r, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                ToAsync(id, r, u, m, (token, to) => new NominateFunction { TokenId = token, Nominee = to }, ct))
            .WithSummary("The beneficiary nominates the next beneficiary (signed by the beneficiary's account).");
        group.MapPost("/endorse", (Guid id, TitleStepRequest r, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                ToAsync(id, r, u, m, (token, to) => new TransferBeneficiaryFunction { TokenId = token, NewBeneficiary = to }, ct))
            .WithSummary("The holder endorses the title to the nominee (or to anyone, when the holder is the beneficiary).");
        group.MapPost("/transfer-holder", (Guid id, TitleStepRequest r, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                ToAsync(id, r, u, m, (token, to) => new TransferHolderFunction { TokenId = token, NewHolder = to }, ct))
            .WithSummary("The holder hands possession of the title to another party.");
        group.MapPost("/reject-holder", async (Guid id, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                (await m.ByPartyAsync(id, null, u.Caller(), (token, _) => new RejectTransferHolderFunction { TokenId = token }, ct)).ToHttp(Results.Ok))
            .WithSummary("The new holder refuses the transfer: the title returns to the previous holder.");
        group.MapPost("/reject-endorsement", async (Guid id, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                (await m.ByPartyAsync(id, null, u.Caller(), (token, _) => new RejectTransferBeneficiaryFunction { TokenId = token }, ct)).ToHttp(Results.Ok))
            .WithSummary("The new beneficiary refuses the endorsement: the previous beneficiary is restored.");
        group.MapPost("/surrender", async (Guid id, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                (await m.ByPartyAsync(id, null, u.Caller(), (token, _) => new ReturnToIssuerFunction { TokenId = token }, ct)).ToHttp(Results.Ok))
            .WithSummary("The holder, who must also be the beneficiary, returns the title to the issuer to take delivery.");
        group.MapPost("/accept-surrender", async (Guid id, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                (await m.ByIssuerAsync(id, u.Caller(), t => new AcceptSurrenderFunction { TokenId = t }, ct)).ToHttp(Results.Ok))
            .WithSummary("The issuer accepts the surrender: the title is burned and the bill of lading is spent.");
        group.MapPost("/reject-surrender", async (Guid id, ClaimsPrincipal u, MoveTitle m, CancellationToken ct) =>
                (await m.ByIssuerAsync(id, u.Caller(), t => new RejectSurrenderFunction { TokenId = t }, ct)).ToHttp(Results.Ok))
            .WithSummary("The issuer rejects the surrender: the title returns to the party that surrendered it.");
        return app;
    }

    /// <summary>
    /// How often a title (or the list of a party's titles) waiting for a change is read again though no title event was
    /// indexed in this process: another replica may have indexed it first (then nothing here announces it).
    /// </summary>
    public static readonly TimeSpan FollowReadAgainAnyway = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The title, with an ETag; 304 while unchanged; with waitSeconds, answered when it changes (<see cref="ListChanges.AnswerAnnouncedAsync"/>):
    /// a title moves by the registry's events — steps taken here, or by the parties' own wallets — not by the document's transitions.
    /// </summary>
    private static async Task<IResult> GetAsync(Guid id, HttpContext http, ClaimsPrincipal user, ReadTitles titles, ListChanges follow,
        int? waitSeconds, CancellationToken ct)
    {
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        var caller = user.Caller();
        return await follow.AnswerAnnouncedAsync(http, ChainIndex.EventsKey(TitleEvents.Source), waitSeconds, FollowReadAgainAnyway,
            async c => (await titles.GetAsync(id, caller, c)).Value, () => Problems.NotFound("document", id.ToString()), ct);
    }

    /// <summary>A step that moves the title to the party named in the request.</summary>
    private static async Task<IResult> ToAsync<TFunction>(Guid id, TitleStepRequest request, ClaimsPrincipal user, MoveTitle move,
        Func<System.Numerics.BigInteger, string, TFunction> step, CancellationToken ct) where TFunction : Nethereum.Contracts.FunctionMessage, new()
    {
        if (string.IsNullOrWhiteSpace(request.To) || request.To.Length > InputLimits.Party || TextRules.Problem(request.To, InputLimits.Party) is not null)
            return Problems.Validation(("to", $"is required: the party to move the title to (1 to {InputLimits.Party} characters, no control characters)"));
        return (await move.ByPartyAsync(id, request.To, user.Caller(), step, ct)).ToHttp(Results.Ok);
    }
}

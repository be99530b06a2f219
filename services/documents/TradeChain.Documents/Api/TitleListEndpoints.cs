using System.Security.Claims;
using TradeChain.Documents.Application;
using TradeChain.ServiceDefaults;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Documents.Api;

/// <summary>The titles a party takes part in (<see cref="ReadTitles.ListAsync"/>).</summary>
public static class TitleListEndpoints
{
    public static IEndpointRouteBuilder MapTitleList(this IEndpointRouteBuilder app)
    {
        app.MapGet("/documents/titles", ListAsync)
            .RequireAuthorization(Policies.AnyParty).WithTags("titles").Produces<PagedResult<TitleSummaryView>>().Produces(StatusCodes.Status304NotModified)
            .WithSummary("The bills of lading whose title names you at any step (issued, nominated, endorsed or handed to you, or by you), newest first, with who holds them now. " +
                         ListChanges.Summary("titles") + " Woken by the title registry's events (an issuance among them) as this process indexes them; read again every " +
                         $"{TitleEndpoints.FollowReadAgainAnyway.TotalSeconds:0} s anyway.");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext http, ClaimsPrincipal user, ReadTitles titles, ListChanges follow,
        int? page, int? pageSize, int? waitSeconds, CancellationToken ct)
    {
        if (LongPoll.Refused(ListChanges.Check(http.Request, waitSeconds)) is { } refused) return refused;
        var caller = user.Caller();
        return await follow.AnswerAnnouncedListAsync(http, ChainIndex.EventsKey(TitleEvents.Source), waitSeconds, TitleEndpoints.FollowReadAgainAnyway,
            c => titles.ListAsync(caller, page, pageSize, c), ct);
    }
}

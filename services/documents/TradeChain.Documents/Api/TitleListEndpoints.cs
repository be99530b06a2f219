using System.Security.Claims;
using TradeChain.Documents.Application;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Documents.Api;

/// <summary>The titles a party takes part in (<see cref="ReadTitles.ListAsync"/>).</summary>
public static class TitleListEndpoints
{
    public static IEndpointRouteBuilder MapTitleList(this IEndpointRouteBuilder app)
    {
        app.MapGet("/documents/titles", async (ClaimsPrincipal user, ReadTitles titles, int? page, int? pageSize, CancellationToken ct) =>
                Results.Ok(await titles.ListAsync(user.Caller(), page, pageSize, ct)))
            .RequireAuthorization(Policies.AnyParty).WithTags("titles")
            .WithSummary("The bills of lading whose title names you at any step (issued, nominated, endorsed or handed to you, or by you), newest first, with who holds them now.");
        return app;
    }
}

using System.Security.Claims;
using TradeChain.Documents.Application;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Documents.Api;

/// <summary>From HTTP to a use case and back: who the caller is, and a use case's refusal as problem details.</summary>
public static class Outcomes
{
    public static Caller Caller(this ClaimsPrincipal user) => new(user.Party(), user.Actor(), user.IsInRole(Roles.CustomsOfficer));

    /// <summary>The value through <paramref name="ok"/>, or the refusal as a 404, 403 or 400 problem (broken rules reach the global handler as 409s).</summary>
    public static IResult ToHttp<T>(this Outcome<T> outcome, Func<T, IResult> ok) => outcome.Refusal switch
    {
        null => ok(outcome.Value!),
        NotFound n => Problems.NotFound(n.What, n.Id),
        Forbidden f => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: f.Title, detail: f.Detail, type: "https://tradechain.dev/problems/forbidden"),
        Invalid i => Problems.Validation(i.Errors.Select(e => (e.Field, e.Rule)).ToList()),
        var other => throw new InvalidOperationException($"Unmapped refusal {other.GetType().Name}"),
    };
}

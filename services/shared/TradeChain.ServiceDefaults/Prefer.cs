using Microsoft.AspNetCore.Http;

namespace TradeChain.ServiceDefaults;

/// <summary>
/// A client's RFC 7240 preferences for a step whose record comes later (a settlement sent in a batch, a revocation sent by
/// the issuer): <c>respond-async</c> — answer 202 at once — and <c>wait=seconds</c> — how long to wait for the record at
/// most, never longer than the service's own limit.
/// </summary>
public static class Prefer
{
    /// <param name="longest">The service's limit, and the wait when the client names none.</param>
    public static (bool RespondAsync, TimeSpan Wait) Of(HttpRequest request, TimeSpan longest)
    {
        var respondAsync = false;
        var wait = longest;
        foreach (var token in request.Headers["Prefer"].SelectMany(v => (v ?? "").Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (token.Equals("respond-async", StringComparison.OrdinalIgnoreCase)) respondAsync = true;
            else if (token.StartsWith("wait=", StringComparison.OrdinalIgnoreCase) && int.TryParse(token[5..], out var seconds) && seconds >= 0)
                wait = TimeSpan.FromSeconds(Math.Min(seconds, longest.TotalSeconds));
        }
        return (respondAsync, wait);
    }

    /// <summary>
    /// 202 for a step whose record comes later: <paramref name="location"/> to read (or long-poll) it, <c>Retry-After: 2</c>,
    /// and <c>Preference-Applied: respond-async</c> when that is why it was not waited for.
    /// </summary>
    public static IResult Accepted(HttpResponse response, bool respondAsync, string location, object body)
    {
        if (respondAsync) response.Headers["Preference-Applied"] = "respond-async";
        response.Headers.RetryAfter = "2";
        return Results.Accepted(location, body);
    }
}

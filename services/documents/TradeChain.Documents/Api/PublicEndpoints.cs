using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using TradeChain.Documents.Application;
using TradeChain.Documents.Verification;
using TradeChain.ServiceDefaults;

namespace TradeChain.Documents.Api;

/// <summary>Section "PublicVerification": how much anyone, without signing in, may ask of the public verifier.</summary>
public sealed class PublicVerificationOptions
{
    public const string Section = "PublicVerification";

    /// <summary>Requests one client may make per window (verifications and schema reads together).</summary>
    public int PermitLimit { get; set; } = 30;

    public int WindowSeconds { get; set; } = 60;

    /// <summary>The largest document accepted, in bytes (a wrapped document is a few kilobytes; 1 MiB leaves room for long lists).</summary>
    public int MaxDocumentBytes { get; set; } = 1024 * 1024;

    /// <summary>Verifications one signed-in caller (party and subject) may ask of POST /documents/verify per window.</summary>
    public int PartyPermitLimit { get; set; } = 60;

    /// <summary>
    /// Addresses of proxies that verify for their own visitors (the console): from these, the client counted is the last
    /// address of their X-Forwarded-For, so each visitor has their own allowance. From anyone else the header is ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>
/// The verifier for anyone holding a document — no sign-in: a consignee, an insurer, a court. It answers only what the
/// holder of the file may learn (see <see cref="VerificationAudience.Public"/>): never another document's fields, a
/// revocation notice only for a genuine document, a title's parties only for a genuine bill of lading. Bounded in body
/// size and rate-limited per client.
/// </summary>
public static class PublicEndpoints
{
    public const string RateLimitPolicy = "public";

    /// <summary>POST /documents/verify: each verification is chain calls, so each caller has its own allowance.</summary>
    public const string PartyRateLimitPolicy = "party-verify";

    public static WebApplicationBuilder AddPublicVerification(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(PublicVerificationOptions.Section).Get<PublicVerificationOptions>() ?? new PublicVerificationOptions();
        builder.Services.AddSingleton(options);
        var trusted = options.TrustedProxies.Select(IPAddress.Parse).ToHashSet();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(ClientOf(http, trusted), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.PermitLimit,
                Window = TimeSpan.FromSeconds(options.WindowSeconds),
                QueueLimit = 0,
            }));
            // A signed-in caller counts as itself (party and subject); a request without one, as its address.
            limiter.AddPolicy(PartyRateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(CallerOf(http, trusted), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.PartyPermitLimit,
                Window = TimeSpan.FromSeconds(options.WindowSeconds),
                QueueLimit = 0,
            }));
            limiter.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : options.WindowSeconds;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var signedIn = context.HttpContext.User.Identity?.IsAuthenticated == true;
                var limit = signedIn ? options.PartyPermitLimit : options.PermitLimit;
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests,
                        title: signedIn ? "Too many verifications from you." : "Too many verifications from your address.",
                        detail: $"The verifier answers {limit} requests per {options.WindowSeconds} s per {(signedIn ? "caller" : "client")}; try again in {retry} s.",
                        type: "https://tradechain.dev/problems/rate-limited", extensions: new Dictionary<string, object?> { ["rule"] = "rate-limit" })
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return builder;
    }

    /// <summary>The caller a signed-in request counts against (its party and subject), else its client address.</summary>
    public static string CallerOf(HttpContext http, IReadOnlySet<IPAddress> trustedProxies) =>
        http.User.FindFirst(TradeChain.ServiceDefaults.Auth.Claims.Party)?.Value is { } party
            ? $"party:{party}/{http.User.FindFirst(TradeChain.ServiceDefaults.Auth.Claims.Subject)?.Value}"
            : "address:" + ClientOf(http, trustedProxies);

    /// <summary>The client a request counts against: its address, or the visitor a trusted proxy forwards for.</summary>
    public static string ClientOf(HttpContext http, IReadOnlySet<IPAddress> trustedProxies)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null) return "unknown";
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        if (trustedProxies.Contains(remote)
            && http.Request.Headers["X-Forwarded-For"].ToString().Split(',').Select(a => a.Trim()).LastOrDefault(a => a.Length > 0) is { } forwarded
            && IPAddress.TryParse(forwarded, out var visitor))
            return visitor.ToString();
        return remote.ToString();
    }

    public static IEndpointRouteBuilder MapPublicVerification(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/public").WithTags("public").AllowAnonymous().RequireRateLimiting(RateLimitPolicy);
        group.MapPost("/verify", VerifyAsync)
            .Accepts<JsonObject>("application/json")
            .Produces<PublicVerificationView>()
            .WithSummary("Verifies a wrapped OpenAttestation v2 document for anyone, without sign-in: each check with its reason, the document as a person reads it, and a bill of lading's title.");
        group.MapGet("/schemas/{type}", DocumentEndpoints.Schema)
            .WithSummary("The JSON Schema of a document type (its field labels and rules), for verifiers that lay a document out.");
        return app;
    }

    private static async Task<IResult> VerifyAsync(HttpRequest request, VerifyDocument verify, PublicVerificationOptions options, CancellationToken ct)
    {
        var (wrapped, problem) = await ReadDocumentAsync(request, options.MaxDocumentBytes, ct);
        return problem ?? Results.Ok(await verify.ForPublicAsync(wrapped!, ct));
    }

    /// <summary>The body, read only up to the bound, as a JSON object — or the problem saying why not.</summary>
    private static async Task<(JsonObject?, IResult?)> ReadDocumentAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        IResult TooLarge() => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The document is too large.",
            detail: $"The public verifier accepts wrapped documents of at most {maxBytes} bytes.", type: "https://tradechain.dev/problems/too-large");
        if (request.ContentLength > maxBytes) return (null, TooLarge());
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) return (null, TooLarge());
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return (null, Problems.Validation(("body", "is required: a wrapped OpenAttestation v2 document (.tt)")));
        try
        {
            // Read as every service reads JSON: no key twice, no lone surrogate (StrictJson), so nothing fails later on reading it.
            return (StrictJson.ParseObject(buffer.ToArray()), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Validation(("body", $"is not a JSON object as a wrapped OpenAttestation v2 document must be: {e.Message}")));
        }
    }
}

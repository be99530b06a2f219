using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TradeChain.ConsoleTests.Infrastructure;

/// <summary>
/// A minimal OpenID Connect provider for the production sign-in tests (no real one can run here): discovery, a JWKS
/// with one RSA key, /authorize that approves <see cref="SignedInUser"/> at once (no login form) and sends the browser
/// back with a code, /token that checks the code, the client, the redirect URI and the PKCE verifier before issuing
/// RS256 id and access tokens, and an end-session endpoint. Strict where a real provider is: a code works once, and
/// only for the client, redirect URI and verifier it was issued for.
/// </summary>
public sealed class OpenIdProviderStandIn : IAsyncDisposable
{
    /// <summary>Someone the provider vouches for: their subject, display name, and the extra claims both tokens carry (role and party under the provider's own claim names).</summary>
    public sealed record User(string Subject, string Name, IReadOnlyDictionary<string, object> Claims);

    private sealed record Grant(string ClientId, string RedirectUri, string CodeChallenge, string? Nonce, User User);

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;
    private readonly Uri _client;
    private readonly ConcurrentDictionary<string, Grant> _codes = new();

    public OpenIdProviderStandIn(int port, Uri clientBaseAddress, string clientId, string clientSecret, string apiAudience)
    {
        Issuer = $"http://127.0.0.1:{port}";
        _client = clientBaseAddress;
        ClientId = clientId;
        ClientSecret = clientSecret;
        ApiAudience = apiAudience;
        _key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "stand-in-" + Guid.NewGuid().ToString("N")[..8] };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", Discovery);
        _app.MapGet("/jwks", Keys);
        _app.MapGet("/authorize", Authorize);
        _app.MapPost("/token", TokenAsync);
        _app.MapGet("/logout", EndSession);
    }

    public string Issuer { get; }

    public string ClientId { get; }

    public string ClientSecret { get; }

    public string ApiAudience { get; }

    /// <summary>Who /authorize approves; null: the provider answers access_denied.</summary>
    public User? SignedInUser { get; set; }

    /// <summary>Extra claims only the access token carries (to prove which claims the services read).</summary>
    public Dictionary<string, object> AccessTokenOnlyClaims { get; } = new();

    /// <summary>Every token request the provider answered, and how ("issued" or the refusal).</summary>
    public ConcurrentQueue<string> TokenRequests { get; } = new();

    public ConcurrentQueue<string> EndSessionRequests { get; } = new();

    public Task StartAsync() => _app.StartAsync();

    /// <summary>An access token as the provider would issue it for <paramref name="user"/>, for calling a service directly.</summary>
    public string AccessTokenFor(User user) => Sign(ApiAudience, user, new Dictionary<string, object>(AccessTokenOnlyClaims) { ["scope"] = "openid profile", ["client_id"] = ClientId });

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Issuer,
        ["authorization_endpoint"] = $"{Issuer}/authorize",
        ["token_endpoint"] = $"{Issuer}/token",
        ["jwks_uri"] = $"{Issuer}/jwks",
        ["end_session_endpoint"] = $"{Issuer}/logout",
        ["response_types_supported"] = new[] { "code" },
        ["response_modes_supported"] = new[] { "query", "form_post" },
        ["grant_types_supported"] = new[] { "authorization_code" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
        ["scopes_supported"] = new[] { "openid", "profile" },
    });

    private IResult Keys()
    {
        var rsa = _key.Rsa.ExportParameters(includePrivateParameters: false);
        return Results.Json(new
        {
            keys = new[]
            {
                new { kty = "RSA", use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = _key.KeyId, n = Base64UrlEncoder.Encode(rsa.Modulus), e = Base64UrlEncoder.Encode(rsa.Exponent) },
            },
        });
    }

    private IResult Authorize(HttpRequest request)
    {
        string? Q(string name) => request.Query[name].FirstOrDefault();
        var redirectUri = Q("redirect_uri");
        // Never send a code anywhere but the registered client: an unknown redirect gets an error page, not a redirect.
        if (Q("client_id") != ClientId || redirectUri is null || !IsClientUri(redirectUri))
            return Results.BadRequest("unknown client or redirect_uri");
        var answer = new Dictionary<string, string?> { ["state"] = Q("state") };
        if (Q("response_type") != "code" || Q("code_challenge_method") != "S256" || string.IsNullOrEmpty(Q("code_challenge")))
            answer["error"] = "invalid_request";
        else if (SignedInUser is null)
            answer["error"] = "access_denied";
        else
        {
            var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
            _codes[code] = new Grant(ClientId, redirectUri, Q("code_challenge")!, Q("nonce"), SignedInUser);
            answer["code"] = code;
        }
        if (Q("response_mode") == "form_post")
        {
            var fields = string.Concat(answer.Where(a => a.Value is not null)
                .Select(a => $"<input type=\"hidden\" name=\"{a.Key}\" value=\"{WebUtility.HtmlEncode(a.Value)}\">"));
            return Results.Content(
                $"<!doctype html><html lang=\"en\"><head><title>Signing in</title></head><body><form method=\"post\" action=\"{WebUtility.HtmlEncode(redirectUri)}\">{fields}<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script></body></html>",
                "text/html");
        }
        var query = string.Join('&', answer.Where(a => a.Value is not null).Select(a => $"{a.Key}={Uri.EscapeDataString(a.Value!)}"));
        return Results.Redirect($"{redirectUri}{(redirectUri.Contains('?') ? '&' : '?')}{query}");
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        string? F(string name) => form[name].FirstOrDefault();
        var (clientId, secret) = ClientCredentials(request, F("client_id"), F("client_secret"));
        IResult Refuse(string error, string why)
        {
            TokenRequests.Enqueue($"{error}: {why}");
            return Results.Json(new { error, error_description = why }, statusCode: StatusCodes.Status400BadRequest);
        }
        if (clientId != ClientId || secret != ClientSecret) return Refuse("invalid_client", "unknown client or wrong secret");
        if (F("grant_type") != "authorization_code") return Refuse("unsupported_grant_type", F("grant_type") ?? "none");
        // A code is spent on first use, right or wrong.
        if (F("code") is not { } code || !_codes.TryRemove(code, out var grant)) return Refuse("invalid_grant", "unknown or used code");
        if (grant.ClientId != clientId || grant.RedirectUri != F("redirect_uri")) return Refuse("invalid_grant", "code issued to another client or redirect_uri");
        if (F("code_verifier") is not { Length: >= 43 and <= 128 } verifier
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.CodeChallenge)
            return Refuse("invalid_grant", "PKCE verifier does not match the challenge");

        var idClaims = new Dictionary<string, object> { ["name"] = grant.User.Name };
        if (grant.Nonce is not null) idClaims["nonce"] = grant.Nonce;
        TokenRequests.Enqueue($"issued for {grant.User.Subject}");
        return Results.Json(new
        {
            access_token = AccessTokenFor(grant.User),
            id_token = Sign(ClientId, grant.User, idClaims),
            token_type = "Bearer",
            expires_in = (int)TokenLifetime.TotalSeconds,
        });
    }

    private IResult EndSession(HttpRequest request)
    {
        var target = request.Query["post_logout_redirect_uri"].FirstOrDefault();
        EndSessionRequests.Enqueue(target ?? "");
        if (target is null || !IsClientUri(target)) return Results.Content("Signed out.", "text/plain");
        var state = request.Query["state"].FirstOrDefault();
        return Results.Redirect(state is null ? target : $"{target}{(target.Contains('?') ? '&' : '?')}state={Uri.EscapeDataString(state)}");
    }

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    private string Sign(string audience, User user, IDictionary<string, object> extra)
    {
        var claims = new Dictionary<string, object>(user.Claims);
        foreach (var (name, value) in extra) claims[name] = value;
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(TokenLifetime),
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, user.Subject)]),
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    private bool IsClientUri(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.Scheme == _client.Scheme && u.Host == _client.Host && u.Port == _client.Port;

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, string? formId, string? formSecret)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        if (header is null || !header.StartsWith("Basic ", StringComparison.Ordinal)) return (formId, formSecret);
        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Split(':', 2);
        return (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Rsa.Dispose();
    }
}

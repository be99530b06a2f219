using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using TradeChain.Console.Auth;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Console;

public static class SignInExtensions
{
    /// <summary>
    /// Cookie session holding the user's role, party and own API token. Development mode mints the token with the public
    /// development key (refused outside the Development environment); production signs in with OpenID Connect and keeps
    /// the identity provider's token, which the services validate themselves.
    /// </summary>
    public static WebApplicationBuilder AddConsoleSignIn(this WebApplicationBuilder builder)
    {
        var signIn = builder.Configuration.GetSection(SignInOptions.Section).Get<SignInOptions>() ?? new SignInOptions();
        builder.Services.Configure<SignInOptions>(builder.Configuration.GetSection(SignInOptions.Section));
        builder.Services.Configure<OidcOptions>(builder.Configuration.GetSection(OidcOptions.Section));
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section));

        if (signIn.IsDevelopment && !builder.Environment.IsDevelopment())
            throw new InvalidOperationException("SignIn:Mode=Development mints tokens with the public development key and is refused outside the Development environment; configure OpenID Connect (Oidc:Authority, Oidc:ClientId).");

        var authentication = builder.Services.AddAuthentication(o =>
        {
            o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.DefaultChallengeScheme = signIn.IsDevelopment ? CookieAuthenticationDefaults.AuthenticationScheme : OpenIdConnectDefaults.AuthenticationScheme;
        }).AddCookie(o =>
        {
            o.Cookie.Name = "tradechain.console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Local runs are plain http on loopback; anywhere else the session cookie travels only over https.
            o.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            o.LoginPath = "/sign-in";
            o.LogoutPath = "/sign-out";
            o.AccessDeniedPath = "/forbidden";
            o.ExpireTimeSpan = TimeSpan.FromHours(signIn.SessionHours);
            o.SlidingExpiration = false;
        });

        if (!signIn.IsDevelopment)
        {
            var oidc = builder.Configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
            var problems = oidc.Validate();
            if (problems.Count > 0) throw new InvalidOperationException($"OpenID Connect sign-in is not configured: {string.Join(" ", problems)} (or SignIn:Mode=Development in the Development environment).");
            authentication.AddOpenIdConnect(o =>
            {
                o.Authority = oidc.Authority;
                o.ClientId = oidc.ClientId;
                if (!string.IsNullOrEmpty(oidc.ClientSecret)) o.ClientSecret = oidc.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                // The cookie keeps only what the console needs: the API token as a claim, the id_token for signing out.
                o.SaveTokens = false;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
                o.Scope.Clear();
                foreach (var scope in oidc.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)) o.Scope.Add(scope);
                o.Events.OnTokenValidated = context =>
                {
                    var response = context.TokenEndpointResponse;
                    var apiToken = oidc.ForwardsIdToken ? response?.IdToken : response?.AccessToken;
                    var session = ConsolePrincipal.FromIdentityProvider(context.Principal!, apiToken, oidc, TimeSpan.FromHours(signIn.SessionHours));
                    if (session.Problem is not null)
                    {
                        context.Fail(new TokenClaimsException(session.Problem));
                        return Task.CompletedTask;
                    }
                    context.Principal = session.Principal;
                    context.Properties!.ExpiresUtc = session.ExpiresUtc;
                    context.Properties.IsPersistent = false;
                    if (response?.IdToken is { } idToken) context.Properties.StoreTokens([new AuthenticationToken { Name = OpenIdConnectParameterNames.IdToken, Value = idToken }]);
                    return Task.CompletedTask;
                };
                // Back to the sign-in page with words a person can act on, not an exception page.
                o.Events.OnRemoteFailure = context =>
                {
                    var message = context.Failure is TokenClaimsException lacking
                        ? $"You are signed in with your identity provider, but TradeChain cannot tell who you act as. {lacking.Message} Show this message to your administrator."
                        : "Signing in with your identity provider did not complete. Try again; if it keeps failing, tell your administrator.";
                    context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TradeChain.Console.SignIn")
                        .LogWarning(context.Failure, "OpenID Connect sign-in failed");
                    context.Response.Redirect($"/sign-in?error={Uri.EscapeDataString(message)}");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        }

        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>POST /account/dev-sign-in (Development only), GET /account/sign-in (OpenID Connect challenge), POST /account/sign-out. Forms carry an antiforgery token.</summary>
    public static WebApplication MapSignInEndpoints(this WebApplication app)
    {
        var signIn = app.Services.GetRequiredService<IOptions<SignInOptions>>().Value;
        if (signIn.IsDevelopment)
        {
            app.MapPost("/account/dev-sign-in", async ([FromForm] DevSignInForm form, HttpContext http, IOptions<AuthOptions> auth) =>
            {
                var errors = form.Validate();
                if (errors.Count > 0) return Results.Redirect($"/sign-in?error={Uri.EscapeDataString(string.Join(" ", errors))}");
                var lifetime = TimeSpan.FromHours(signIn.SessionHours);
                var token = DevelopmentTokens.Mint(auth.Value, form.Subject!.Trim(), form.Role!, form.Party!.Trim(), lifetime);
                await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                    ConsolePrincipal.Create(form.Subject.Trim(), form.Subject.Trim(), form.Role!, form.Party.Trim(), token),
                    new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.Add(lifetime), IsPersistent = false });
                return Results.LocalRedirect(SafeReturnUrl(form.ReturnUrl));
            });
        }
        else
        {
            app.MapGet("/account/sign-in", (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme]));
        }
        app.MapPost("/account/sign-out", async ([FromForm] string? returnUrl, HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!signIn.IsDevelopment)
                return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
            return Results.LocalRedirect("/");
        });
        return app;
    }

    /// <summary>Only a local path: a sign-in link must never send the user to another site.</summary>
    internal static string SafeReturnUrl(string? url) =>
        // Browsers drop tabs and newlines, so "/\t/evil.example" would become "//evil.example": no control character at all.
        !string.IsNullOrEmpty(url) && url.Length <= 2000 && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            && !url.Any(char.IsControl)
            ? url : "/";
}

public sealed class DevSignInForm
{
    public string? Role { get; set; }

    public string? Party { get; set; }

    public string? Subject { get; set; }

    public string? ReturnUrl { get; set; }

    public List<string> Validate()
    {
        var errors = new List<string>();
        if (Role is null || !Roles.All.Contains(Role)) errors.Add($"Role must be one of {string.Join(", ", Roles.All)}.");
        if (string.IsNullOrWhiteSpace(Party)) errors.Add("Party is required (for example EXP-AEO-SAIGON).");
        else if (!PartyNames.IsWellFormed(Party.Trim())) errors.Add($"Party must be {PartyNames.Rule}");
        if (string.IsNullOrWhiteSpace(Subject)) errors.Add("Your name is required.");
        else if (Subject.Trim().Length > 64) errors.Add("Your name must be at most 64 characters.");
        return errors;
    }
}

/// <summary>The console's session principal: who, which role, which party, and the API token to forward.</summary>
public static class ConsolePrincipal
{
    public static ClaimsPrincipal Create(string subject, string name, string role, string party, string apiToken) =>
        new(new ClaimsIdentity(
        [
            new Claim(Claims.Subject, subject),
            new Claim(ConsoleClaims.Name, name),
            new Claim(Claims.Role, role),
            new Claim(Claims.Party, party),
            new Claim(ConsoleClaims.ApiToken, apiToken),
        ], CookieAuthenticationDefaults.AuthenticationScheme, ConsoleClaims.Name, Claims.Role));

    /// <summary>The console session an identity provider's sign-in gives, or why it gives none.</summary>
    public sealed record ProviderSession(ClaimsPrincipal? Principal, DateTimeOffset ExpiresUtc, string? Problem);

    /// <summary>
    /// Who the user acts as, read from the token the console forwards — the one the services judge, with the same
    /// reader and (configured alike) the same claim names — so the console never shows a role the services would not
    /// grant. The name comes from the validated id_token. The session ends when the forwarded token does, or after
    /// <paramref name="sessionLimit"/>, whichever is first.
    /// </summary>
    public static ProviderSession FromIdentityProvider(ClaimsPrincipal idToken, string? apiToken, OidcOptions oidc, TimeSpan sessionLimit)
    {
        var subject = idToken.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        if (string.IsNullOrWhiteSpace(apiToken))
            return new(null, default, $"The identity provider returned no {oidc.ApiToken} for the console to forward to the services.");
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(apiToken))
            return new(null, default, $"The identity provider's {oidc.ApiToken} is not a JWT, so the services cannot validate it: configure the provider to issue JWT access tokens for the TradeChain audience, or set Oidc:ApiToken=id_token.");
        var forwarded = handler.ReadJsonWebToken(apiToken);
        var reading = IdentityProviderClaims.Read(new ClaimsPrincipal(new ClaimsIdentity(forwarded.Claims)), oidc.RoleClaim, oidc.PartyClaim);
        if (!reading.Ok) return new(null, default, reading.Problem);
        if (subject is null) return new(null, default, "The identity provider's id_token carries no subject ('sub').");
        var expires = DateTimeOffset.UtcNow.Add(sessionLimit);
        if (forwarded.ValidTo > DateTime.MinValue && forwarded.ValidTo < expires.UtcDateTime) expires = new DateTimeOffset(forwarded.ValidTo, TimeSpan.Zero);
        var name = idToken.FindFirst(oidc.NameClaim)?.Value is { Length: > 0 } n ? n : subject;
        return new(Create(subject, name, reading.Role!, reading.Party!, apiToken), expires, null);
    }

    public static string? Role(this ClaimsPrincipal user) => user.FindFirst(Claims.Role)?.Value;

    public static string? PartyOrNull(this ClaimsPrincipal user) => user.FindFirst(Claims.Party)?.Value;

    public static string DisplayName(this ClaimsPrincipal user) => user.FindFirst(ConsoleClaims.Name)?.Value ?? user.FindFirst(Claims.Subject)?.Value ?? "unknown";
}

using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TradeChain.Console;
using TradeChain.Console.Auth;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.ConsoleTests;

/// <summary>How the services and the console read role and party from an identity provider's token (no browser, no system).</summary>
public sealed class IdentityProviderClaimsTests
{
    private static ClaimsPrincipal Token(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity([new Claim("sub", "u-1"), .. claims.Select(c => new Claim(c.Type, c.Value))], "test"));

    [Fact]
    public void The_TradeChain_role_is_picked_from_the_providers_role_list_and_the_party_is_trimmed()
    {
        var reading = IdentityProviderClaims.Read(Token(("groups", "offline_access"), ("groups", "bank"), ("org", " BNK-VCB ")), "groups", "org");

        Assert.True(reading.Ok, reading.Problem);
        Assert.Equal(("bank", "BNK-VCB"), (reading.Role, reading.Party));
    }

    [Theory]
    [InlineData("more than one TradeChain role", "exporter", "bank", "EXP-ACME", null)]
    [InlineData("more than one party", "exporter", null, "EXP-ACME", "EXP-OTHER")]
    [InlineData("is not a TradeChain party name", "exporter", null, "EXP ACME!", null)]
    [InlineData("no TradeChain role (customs-officer, exporter, bank, operator) in its 'r' claim", "admin", null, "EXP-ACME", null)]
    [InlineData("no party in its 'p' claim", "exporter", null, null, null)]
    public void A_token_that_does_not_say_exactly_one_role_and_one_party_is_refused_with_the_reason(string reason, string role, string? secondRole, string? party, string? secondParty)
    {
        var claims = new List<(string, string)> { ("r", role) };
        if (secondRole is not null) claims.Add(("r", secondRole));
        if (party is not null) claims.Add(("p", party));
        if (secondParty is not null) claims.Add(("p", secondParty));

        var reading = IdentityProviderClaims.Read(Token([.. claims]), "r", "p");

        Assert.False(reading.Ok);
        Assert.Contains(reason, reading.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_configured_claims_become_role_and_party()
    {
        var token = Token(("tradechain_role", "exporter"), ("tradechain_party", "EXP-ACME"), ("role", "bank"), ("party", "BNK-VCB"), ("email", "a@example.com"));

        var principal = IdentityProviderClaims.Read(token, "tradechain_role", "tradechain_party").ToPrincipal(token, "Bearer");

        Assert.True(principal.IsInRole(Roles.Exporter));
        Assert.False(principal.IsInRole(Roles.Bank));
        Assert.Equal("EXP-ACME", principal.Party());
        Assert.Single(principal.FindAll(Claims.Party));
        Assert.Equal("a@example.com", principal.FindFirst("email")?.Value);
        Assert.Equal("u-1", principal.Identity!.Name);
    }

    [Fact]
    public void The_console_session_ends_when_the_forwarded_token_does()
    {
        var key = new RsaSecurityKey(RSA.Create(2048));
        var expires = DateTime.UtcNow.AddMinutes(20);
        var accessToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", "u-1"), new Claim("role", "customs-officer"), new Claim("party", "CUS-VNSGN")]),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });

        var session = ConsolePrincipal.FromIdentityProvider(Token(("name", "Officer Tran")), accessToken, new OidcOptions(), TimeSpan.FromHours(8));

        Assert.Null(session.Problem);
        Assert.Equal(expires, session.ExpiresUtc.UtcDateTime, TimeSpan.FromSeconds(1));
        Assert.Equal("Officer Tran", session.Principal!.DisplayName());
        Assert.Equal(accessToken, session.Principal!.FindFirst(ConsoleClaims.ApiToken)?.Value);
    }

    [Fact]
    public void An_opaque_access_token_is_refused_because_the_services_could_not_validate_it()
    {
        var session = ConsolePrincipal.FromIdentityProvider(Token(), "opaque-reference-token", new OidcOptions(), TimeSpan.FromHours(8));

        Assert.Null(session.Principal);
        Assert.Contains("is not a JWT", session.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenID_Connect_settings_name_every_problem()
    {
        var problems = new OidcOptions { Authority = "http://login.example.com", ClientId = "", Scopes = "profile", ApiToken = "refresh_token" }.Validate();

        Assert.Equal(
        [
            "Oidc:Authority must be https (Oidc:RequireHttpsMetadata=false only for a provider on loopback in tests).",
            "Oidc:ClientId is required.",
            "Oidc:ApiToken must be access_token or id_token.",
            "Oidc:Scopes must include openid.",
        ], problems);
        Assert.Empty(new OidcOptions { Authority = "https://login.example.com/realms/tradechain", ClientId = "tradechain-console" }.Validate());
    }
}

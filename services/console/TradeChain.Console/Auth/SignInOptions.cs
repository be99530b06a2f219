namespace TradeChain.Console.Auth;

/// <summary>How people sign in to the console (section "SignIn").</summary>
public sealed class SignInOptions
{
    public const string Section = "SignIn";

    /// <summary>"Development" (pick a role and a party; tokens minted with the public development key — Development environment only) or "OpenIdConnect".</summary>
    public string Mode { get; set; } = "OpenIdConnect";

    /// <summary>How long a console session lasts; never longer than the API token it carries.</summary>
    public double SessionHours { get; set; } = 8;

    public bool IsDevelopment => string.Equals(Mode, "Development", StringComparison.OrdinalIgnoreCase);
}

/// <summary>OpenID Connect settings for production sign-in (section "Oidc").</summary>
public sealed class OidcOptions
{
    public const string Section = "Oidc";

    public string Authority { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    /// <summary>Space-separated scopes to ask for.</summary>
    public string Scopes { get; set; } = "openid profile";

    /// <summary>The claim of the identity provider's token that carries the TradeChain role (customs-officer, exporter, bank).</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>The claim that carries the party the user acts for (EXP-ACME, CUS-VNSGN, BNK-VCB…).</summary>
    public string PartyClaim { get; set; } = "party";

    public string NameClaim { get; set; } = "name";

    /// <summary>Which token the console forwards to the APIs: "access_token" (default) or "id_token".</summary>
    public string ApiToken { get; set; } = "access_token";

    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>The claims the console keeps in its session cookie.</summary>
public static class ConsoleClaims
{
    /// <summary>The user's own API token, forwarded on every call to the services.</summary>
    public const string ApiToken = "tradechain_api_token";

    public const string Name = "name";
}

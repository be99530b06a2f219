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

    /// <summary>
    /// Which token the console forwards to the APIs: "access_token" (default; a JWT for the services' Auth:Audience) or
    /// "id_token" (its audience is this client id: set the services' Auth:Audience to it). Role and party are read from it.
    /// </summary>
    public string ApiToken { get; set; } = "access_token";

    /// <summary>Fetch the discovery document only over HTTPS. Off only for a provider on loopback in tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool ForwardsIdToken => ApiToken == "id_token";

    /// <summary>Every setting that is missing or wrong, each in a sentence; empty when sign-in can work.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            problems.Add("Oidc:Authority must be the identity provider's issuer URL.");
        else if (RequireHttpsMetadata && authority.Scheme != "https")
            problems.Add("Oidc:Authority must be https (Oidc:RequireHttpsMetadata=false only for a provider on loopback in tests).");
        if (string.IsNullOrWhiteSpace(ClientId)) problems.Add("Oidc:ClientId is required.");
        if (ApiToken is not ("access_token" or "id_token")) problems.Add("Oidc:ApiToken must be access_token or id_token.");
        if (!Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid")) problems.Add("Oidc:Scopes must include openid.");
        if (string.IsNullOrWhiteSpace(RoleClaim) || string.IsNullOrWhiteSpace(PartyClaim)) problems.Add("Oidc:RoleClaim and Oidc:PartyClaim name the claims that carry the role and the party.");
        return problems;
    }
}

/// <summary>The claims the console keeps in its session cookie.</summary>
public static class ConsoleClaims
{
    /// <summary>The user's own API token, forwarded on every call to the services.</summary>
    public const string ApiToken = "tradechain_api_token";

    public const string Name = "name";
}

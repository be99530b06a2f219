namespace TradeChain.ServiceDefaults.Auth;

/// <summary>Token validation settings (section "Auth").</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "tradechain-dev";

    public string Audience { get; set; } = "tradechain";

    /// <summary>
    /// HMAC key shared by the token issuer and the services. The value in appsettings.Development.json is a
    /// PUBLIC local development key; production supplies its own from the secret store.
    /// </summary>
    public string SigningKey { get; set; } = "";
}

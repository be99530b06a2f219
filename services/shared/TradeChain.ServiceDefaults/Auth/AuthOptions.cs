namespace TradeChain.ServiceDefaults.Auth;

/// <summary>
/// Token validation settings (section "Auth"). Two modes: with <see cref="Authority"/> set, the services accept the
/// identity provider's tokens (OpenID Connect discovery and its JWKS); without it, HMAC tokens from the development
/// issuer signed with <see cref="SigningKey"/>.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The identity provider's issuer URL (its /.well-known/openid-configuration names the signing keys). Empty: HMAC mode.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The development issuer's name (HMAC mode); in Authority mode the issuer is the one the discovery document names.</summary>
    public string Issuer { get; set; } = "tradechain-dev";

    /// <summary>The audience a token must be issued for (the identity provider's API audience, or the console's client id when it forwards the id_token).</summary>
    public string Audience { get; set; } = "tradechain";

    /// <summary>
    /// HMAC key shared by the token issuer and the services. The value in appsettings.Development.json is a
    /// PUBLIC local development key; production supplies its own from the secret store. Unused in Authority mode.
    /// </summary>
    public string SigningKey { get; set; } = "";

    /// <summary>The identity provider's claim that carries the TradeChain role (a string or an array of strings); Authority mode only.</summary>
    public string RoleClaim { get; set; } = Claims.Role;

    /// <summary>The identity provider's claim that carries the party the user acts for; Authority mode only.</summary>
    public string PartyClaim { get; set; } = Claims.Party;

    /// <summary>Fetch the discovery document and keys only over HTTPS. Off only for a provider on loopback in tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool UsesIdentityProvider => !string.IsNullOrWhiteSpace(Authority);
}

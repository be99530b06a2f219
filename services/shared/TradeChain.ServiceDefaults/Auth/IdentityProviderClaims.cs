using System.Security.Claims;

namespace TradeChain.ServiceDefaults.Auth;

/// <summary>
/// Reads who a user acts as — one TradeChain role, one party — from an identity provider's token, whose claim names
/// are the provider's choice (Auth:RoleClaim / Auth:PartyClaim in the services, Oidc:RoleClaim / Oidc:PartyClaim in the
/// console). The services and the console read tokens the same way, so they never disagree about who someone is.
/// </summary>
public static class IdentityProviderClaims
{
    /// <summary>What a token says, or why it says too little: <see cref="Problem"/> is a sentence a user or an administrator can act on.</summary>
    public sealed record Reading(string? Role, string? Party, string? Problem)
    {
        public bool Ok => Problem is null;
    }

    public static Reading Read(ClaimsPrincipal token, string roleClaim, string partyClaim)
    {
        var roles = token.FindAll(roleClaim).Select(c => c.Value).Where(Roles.All.Contains).Distinct(StringComparer.Ordinal).ToList();
        var parties = token.FindAll(partyClaim).Select(c => c.Value.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var problems = new List<string>();
        if (roles.Count == 0)
            problems.Add($"The token carries no TradeChain role ({string.Join(", ", Roles.All)}) in its '{roleClaim}' claim.");
        // One role for one party: what a user may see and do follows from exactly that pair.
        else if (roles.Count > 1)
            problems.Add($"The token carries more than one TradeChain role in its '{roleClaim}' claim ({string.Join(", ", roles)}); a user acts in exactly one.");
        if (parties.Count == 0)
            problems.Add($"The token carries no party in its '{partyClaim}' claim: the identity provider must name the party the user acts for (for example EXP-ACME).");
        else if (parties.Count > 1)
            problems.Add($"The token names more than one party in its '{partyClaim}' claim; a user acts for exactly one.");
        else if (!PartyNames.IsWellFormed(parties[0]))
            problems.Add($"The party in the token's '{partyClaim}' claim is not a TradeChain party name: {PartyNames.Rule}");
        if (token.FindFirst(Claims.Subject) is null)
            problems.Add("The token carries no subject ('sub').");
        return problems.Count > 0
            ? new Reading(null, null, string.Join(" ", problems))
            : new Reading(roles[0], parties[0], null);
    }

    /// <summary>
    /// The token's identity with "role" and "party" taken only from the configured claims: a provider's own "role" or
    /// "party" claim meaning something else never reaches the services' rules.
    /// </summary>
    public static ClaimsPrincipal ToPrincipal(this Reading reading, ClaimsPrincipal token, string authenticationType)
    {
        if (!reading.Ok) throw new InvalidOperationException(reading.Problem);
        var kept = token.Claims.Where(c => c.Type is not (Claims.Role or Claims.Party))
            .Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer));
        return new ClaimsPrincipal(new ClaimsIdentity(
            [.. kept, new Claim(Claims.Role, reading.Role!), new Claim(Claims.Party, reading.Party!)],
            authenticationType, Claims.Subject, Claims.Role));
    }
}

/// <summary>What a party's name may look like (EXP-ACME, CUS-VNSGN, BNK-VCB…): the same rule for every way of signing in.</summary>
public static class PartyNames
{
    public const int MaxLength = 64;

    public const string Rule = "at most 64 letters, digits, '-', '_' or '.'.";

    public static bool IsWellFormed(string party) =>
        party.Length is > 0 and <= MaxLength && party.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}

/// <summary>A token that is genuine but does not say who the user acts as; the message says what it lacks.</summary>
public sealed class TokenClaimsException(string message) : Exception(message);

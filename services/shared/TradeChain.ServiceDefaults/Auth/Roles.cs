using System.Security.Claims;

namespace TradeChain.ServiceDefaults.Auth;

/// <summary>The roles of TradeChain's users, as they appear in the token's "role" claim.</summary>
public static class Roles
{
    public const string CustomsOfficer = "customs-officer";
    public const string Exporter = "exporter";
    public const string Bank = "bank";

    /// <summary>
    /// Whoever runs the network: reads how a party is set up on it (its account, where its key is held, its role on
    /// chain) to check an onboarding — and nothing else. It takes no trade step and sees no party's trade records: no
    /// other endpoint admits it.
    /// </summary>
    public const string Operator = "operator";

    public static readonly IReadOnlySet<string> All = new HashSet<string>([CustomsOfficer, Exporter, Bank, Operator]);
}

/// <summary>Token claim names.</summary>
public static class Claims
{
    public const string Role = "role";

    /// <summary>The trading party (exporter, bank, customs office) the user acts for, e.g. "EXP-ACME".</summary>
    public const string Party = "party";

    public const string Subject = "sub";
}

public static class CallerExtensions
{
    public static string Party(this ClaimsPrincipal user) =>
        user.FindFirst(Claims.Party)?.Value ?? throw new InvalidOperationException("The token carries no party claim.");

    public static string Actor(this ClaimsPrincipal user) =>
        $"{user.FindFirst(Claims.Subject)?.Value ?? "unknown"}@{user.FindFirst(Claims.Party)?.Value ?? "unknown"}";

    /// <summary>
    /// Officers and banks see every party's records; anyone else — an exporter, and the operator should an endpoint ever
    /// admit it — only its own party's.
    /// </summary>
    public static bool MaySee(this ClaimsPrincipal user, string ownerParty) =>
        user.IsInRole(Roles.CustomsOfficer) || user.IsInRole(Roles.Bank)
        || string.Equals(user.FindFirst(Claims.Party)?.Value, ownerParty, StringComparison.Ordinal);
}

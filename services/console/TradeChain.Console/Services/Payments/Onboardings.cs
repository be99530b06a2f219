using TradeChain.Console.Services.Signing;

namespace TradeChain.Console.Services.Payments;

/// <summary>An operator's onboarding of a party, as the payments service answers it (POST/GET /parties/onboardings).</summary>
public sealed record Onboarding(string Party, string Role, string Address, string? SignerUrl, string? Admin, string Status, string Detail,
    List<OnboardingStep> Steps, OnboardingAllowlist Allowlist, List<string> Configuration, string Secrets, int Version);

/// <summary>One admin transaction of an onboarding: done, awaiting-signature (its transaction for the admin to sign), sent or failed.</summary>
public sealed record OnboardingStep(int Position, string What, string Currency, string Contract, string Status, UnsignedTransaction? Transaction,
    string? TransactionHash, string? Outcome)
{
    public string StatusLabel => Status switch
    {
        "done" => "Done",
        "awaiting-signature" => "Awaiting the admin's signature",
        "sent" => "Sent, being mined",
        _ => "Failed",
    };

    /// <summary>The status as a badge colours it.</summary>
    public string Badge => Status switch { "done" => "settled", "awaiting-signature" => "pending", "sent" => "submitted", _ => "failed" };
}

/// <summary>The account allowlist: the operator's own step, with the entry to add to the nodes' permissions_config.toml.</summary>
public sealed record OnboardingAllowlist(string Status, string Entry, string Detail);

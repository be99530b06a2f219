using TradeChain.Domain;

namespace TradeChain.Payments.Domain;

/// <summary>Where one admin transaction of an onboarding stands.</summary>
public enum OnboardingStepStatus
{
    /// <summary>In place on the chain (sent through the API, or by anyone else: the chain is read).</summary>
    Done,

    /// <summary>Missing: its unsigned transaction waits for the admin account's signature.</summary>
    AwaitingSignature,

    /// <summary>Signed and sent: waiting to be mined.</summary>
    Sent,

    /// <summary>Refused by the contract, or cannot be done as asked (<see cref="OnboardingStep.Outcome"/> says why).</summary>
    Failed,
}

/// <summary>
/// An operator's onboarding of a party (POST /parties/onboardings): its account, signer endpoint and role, and the admin
/// transactions it needs on chain, each with its state. The service holds no admin key: it prepares each missing
/// transaction for the admin account to sign, checks what comes back signed, sends it and records what the chain made of it.
/// </summary>
public sealed class PartyOnboarding
{
    /// <summary>At most this many characters of a step's outcome, and of the stored transaction (JSON).</summary>
    public const int MaxOutcome = 500;

    public const int MaxJson = 4_096;

    /// <summary>At most this many characters of a signer URL.</summary>
    public const int MaxUrl = 500;

    public string Party { get; set; } = "";

    /// <summary>bank or trader.</summary>
    public string Role { get; set; } = "";

    /// <summary>The party's account (checksummed): the account its signer signs as.</summary>
    public string Address { get; set; } = "";

    public string? SignerUrl { get; set; }

    /// <summary>The account holding DEFAULT_ADMIN_ROLE on the contracts (checksummed): every step is its transaction.</summary>
    public string Admin { get; set; } = "";

    /// <summary>The operator who asked for it last.</summary>
    public string RequestedBy { get; set; } = "";

    public long CreatedAtUnixMs { get; set; }

    public long UpdatedAtUnixMs { get; set; }

    public int Version { get; set; }

    private readonly List<OnboardingStep> _steps = [];

    public IReadOnlyList<OnboardingStep> Steps => _steps;

    public void AddStep(OnboardingStep step) => _steps.Add(step);

    /// <summary>Asked again: the same party must be the same account in the same role.</summary>
    public void RequireSame(string role, string address)
    {
        if (!string.Equals(Role, role, StringComparison.Ordinal) || !string.Equals(Address, address, StringComparison.OrdinalIgnoreCase))
            throw new DomainRuleViolation("onboarding-differs",
                $"{Party} is being onboarded already as {Role} with account {Address}: a party has one account and one role. " +
                "Check the party's name, or finish that onboarding.");
    }

    public void Touched(DateTimeOffset now)
    {
        UpdatedAtUnixMs = now.ToUnixTimeMilliseconds();
        Version++;
    }
}

/// <summary>One admin transaction of a <see cref="PartyOnboarding"/>: a call on one contract, and where it stands.</summary>
public sealed class OnboardingStep
{
    public int Position { get; set; }

    /// <summary>The call (<see cref="TradeChain.Ledger.OnboardingCall"/>'s name).</summary>
    public string Call { get; set; } = "";

    /// <summary>ISO 4217 code of the settlement token it is on.</summary>
    public string Currency { get; set; } = "";

    /// <summary>The contract it calls.</summary>
    public string Contract { get; set; } = "";

    /// <summary>What it does, in words.</summary>
    public string What { get; set; } = "";

    public OnboardingStepStatus Status { get; set; }

    /// <summary>While awaiting: the unsigned transaction for the admin account to sign (<see cref="TradeChain.Ledger.SigningRequest"/>, JSON).</summary>
    public string? TransactionJson { get; set; }

    /// <summary>Once sent: its hash.</summary>
    public string? TransactionHash { get; set; }

    /// <summary>How it ended or why it cannot be done, in words.</summary>
    public string? Outcome { get; set; }

    public void Set(OnboardingStepStatus status, string? outcome, string? hash = null)
    {
        Status = status;
        Outcome = outcome is { Length: > PartyOnboarding.MaxOutcome } ? outcome[..PartyOnboarding.MaxOutcome] : outcome;
        if (hash is not null) TransactionHash = hash;
        if (status != OnboardingStepStatus.AwaitingSignature) TransactionJson = null;
    }
}

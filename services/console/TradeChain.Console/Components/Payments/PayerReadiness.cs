namespace TradeChain.Console.Components.Payments;

/// <summary>Where the payer's account stands for a duty, as the duty page's payer card shows it (<see cref="PayerAccount.OnReadiness"/>).</summary>
public enum PayerReadinessState
{
    /// <summary>The payer has no settlement account in the duty's currency yet (the card offers to open it).</summary>
    NoAccount,

    /// <summary>It holds less than the duty, and the deposits queued on it do not cover the rest (the card offers a deposit).</summary>
    Short,

    /// <summary>It holds less than the duty, but deposits queued on it cover the rest once the chain has booked them.</summary>
    CoveredByQueuedDeposits,

    /// <summary>It holds the duty, less the withdrawals queued on it.</summary>
    Funded,

    /// <summary>Another bank keeps it: only that bank debits it, so only that bank settles from it.</summary>
    KeptByAnotherBank,
}

/// <param name="State">Where it stands.</param>
/// <param name="Shortfall">What it lacks for the duty (0 when funded or kept by another bank; the whole duty when there is no account).</param>
/// <param name="KeptBy">The bank that keeps it, when another.</param>
public sealed record PayerReadiness(PayerReadinessState State, decimal Shortfall, string? KeptBy = null);

namespace TradeChain.Console.Components.Payments;

/// <summary>Where the payer's account stands for a duty, as the duty page's payer card shows it (<see cref="PayerAccount.OnReadiness"/>).</summary>
public enum PayerReadinessState
{
    /// <summary>The payer has no settlement account in the duty's currency (none this bank may see; the card offers to open it).</summary>
    NoAccount,

    /// <summary>Its booked balance is less than the duty, and the deposits queued on it do not cover the rest (the card offers a deposit).</summary>
    Short,

    /// <summary>Its booked balance is less than the duty, but deposits queued on it cover the rest once the chain has booked them.</summary>
    CoveredByQueuedDeposits,

    /// <summary>
    /// Its booked balance covers the duty, but not once the withdrawals queued on it are burnt: the service takes the
    /// settlement (it checks the booked balance), and the chain refuses the transfer if a withdrawal took the money first.
    /// </summary>
    WithdrawalsQueuedAgainstIt,

    /// <summary>Its booked balance less the withdrawals queued on it covers the duty.</summary>
    Funded,
}

/// <param name="State">Where it stands.</param>
/// <param name="Shortfall">What it lacks for the duty, counting the withdrawals queued against its balance (0 when funded; the whole duty when there is no account).</param>
/// <param name="ToDeposit">What is left to deposit once the deposits queued are booked (what the card offers; 0 when they cover it).</param>
public sealed record PayerReadiness(PayerReadinessState State, decimal Shortfall, decimal ToDeposit);

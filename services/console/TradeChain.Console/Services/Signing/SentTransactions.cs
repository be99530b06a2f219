namespace TradeChain.Console.Services.Signing;

/// <summary>A transaction the party's wallet sent itself (its hash), given to the service until the chain has mined it.</summary>
public static class SentTransactions
{
    /// <summary>How long a sent transaction is awaited on chain before the page asks the user to try again.</summary>
    public static readonly TimeSpan MinedWithin = TimeSpan.FromSeconds(90);

    /// <summary>How long a hash the chain node does not know yet is given again (the wallet may have sent it through another node).</summary>
    public static readonly TimeSpan UnknownWithin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gives <paramref name="hash"/> to the service (<paramref name="give"/>) every 2 s while it answers that the transaction
    /// waits to be mined (or, for a while, that its node does not know it yet), for up to <see cref="MinedWithin"/>.
    /// </summary>
    /// <returns>Null once taken; else the service's last answer.</returns>
    public static async Task<ApiProblem?> GiveUntilMinedAsync(Func<string, Task<ApiProblem?>> give, string hash)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var problem = await give(hash);
            if (problem is null) return null;
            var waiting = problem.Rule == "transaction-pending"
                          || (problem.Rule == TradeChain.Ledger.PartySignatureException.UnknownRule && clock.Elapsed < UnknownWithin);
            if (!waiting || clock.Elapsed > MinedWithin) return problem;
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }
}

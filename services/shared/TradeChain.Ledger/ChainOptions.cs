using System.ComponentModel.DataAnnotations;

namespace TradeChain.Ledger;

/// <summary>How a service reaches the chain and which account it signs with (section "Chain").</summary>
public sealed class ChainOptions
{
    public const string Section = "Chain";

    [Required, Url] public string RpcUrl { get; set; } = "http://127.0.0.1:8545";

    [Range(1, long.MaxValue)] public long ChainId { get; set; } = DevelopmentAccounts.ChainId;

    /// <summary>
    /// This service's own signing key (its own account, never a party's). Locally one of <see cref="DevelopmentAccounts"/>;
    /// in production from the secret store — or leave it empty and set <see cref="Signer"/>, so the key stays in a remote signer.
    /// </summary>
    public string PrivateKey { get; set; } = "";

    /// <summary>This service's own account held by a remote signer (Chain:Signer:Url, :Address, …) instead of <see cref="PrivateKey"/>.</summary>
    public RemoteSignerOptions? Signer { get; set; }

    [Required] public string DocumentStoreAddress { get; set; } = "";

    [Required] public string TransitionAnchorAddress { get; set; } = "";

    /// <summary>The title registry of transferable documents (bills of lading); only the documents service needs it.</summary>
    public string TitleRegistryAddress { get; set; } = "";

    /// <summary>
    /// The settlement token and credit escrow of each currency, keyed by ISO 4217 code ("USD", "VND"):
    /// Chain:Settlement:USD:Token, Chain:Settlement:USD:Escrow. Only the payments service needs them.
    /// </summary>
    public Dictionary<string, SettlementContractAddresses> Settlement { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Attempts for a transaction that fails for a transient reason (node unreachable, timeout).</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 5;

    [Range(1, 3600)] public int ReceiptTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// The longest one transaction's send through a writer may take: <see cref="MaxAttempts"/> attempts, each up to
    /// <see cref="ReceiptTimeoutSeconds"/> plus 10 s for sending and its backoff (350 s with the defaults). A process that
    /// may have begun a send is done with it after this: what waits on another process's send (a lease taken over, a
    /// cancel of a bank no longer signed for) waits this long.
    /// </summary>
    public TimeSpan LongestSend => TimeSpan.FromSeconds(MaxAttempts * (ReceiptTimeoutSeconds + 10.0));

    /// <summary>
    /// How often to ask for a sent transaction's receipt. Nethereum's default (100 ms) dominated the time of a
    /// transaction on an instantly mining chain; on Besu QBFT a block takes about a second, so polling stays cheap.
    /// </summary>
    [Range(1, 10_000)] public int ReceiptPollIntervalMs { get; set; } = 20;

    /// <summary>
    /// How long the fee parameters (EIP-1559 max fee and priority fee) fetched from the node are used for further
    /// transactions before they are fetched again. The max fee is twice the base fee plus the tip, so it covers several
    /// blocks of rising base fee; a transaction the node refuses as underpriced drops the cached fees and is retried.
    /// 0 fetches them for every transaction.
    /// </summary>
    [Range(0, 600_000)] public int FeeCacheMilliseconds { get; set; } = 2_000;

    /// <summary>
    /// Percent added to <c>eth_estimateGas</c>'s answer for the gas limit: transactions of one account are in flight
    /// together, so a transaction may run on a state its estimate did not see. Only the gas used is charged.
    /// </summary>
    [Range(0, 1_000)] public int GasLimitMarginPercent { get; set; } = 25;

    /// <summary>
    /// The widest block range one <c>eth_getLogs</c> may ask for (to − from + 1). Besu refuses more than its
    /// <c>--rpc-max-logs-range</c> (5,000 by default) with "Requested range exceeds maximum RPC range limit"; stay below
    /// the node's limit. The chain index walks in steps of this.
    /// </summary>
    [Range(1, 100_000)] public int MaxLogBlockRange { get; set; } = 1_000;

    /// <summary>
    /// How many blocks a block must have on top of it before it counts as final and is indexed. 0 for QBFT (Besu's
    /// production consensus: a block is final once it is sealed, there are no reorganisations) and for anvil; set it for
    /// a chain with probabilistic finality (e.g. proof of work or a public proof-of-stake chain without "finalized").
    /// </summary>
    [Range(0, 10_000)] public int Confirmations { get; set; }

    /// <summary>These options with <see cref="MaxAttempts"/> = <paramref name="attempts"/> (a party's own signed transaction is sent once).</summary>
    public ChainOptions WithMaxAttempts(int attempts)
    {
        var copy = (ChainOptions)MemberwiseClone();
        copy.MaxAttempts = attempts;
        return copy;
    }

    /// <summary>The signer of this service's own account: <see cref="Signer"/> if set, else the key (exactly one of them).</summary>
    public IChainSigner CreateSigner() => Signer is { Url.Length: > 0 } remote
        ? new RemoteSigner(remote)
        : new TransactionSigner(PrivateKey, ChainId);

    /// <summary>What is wrong with the service's signing configuration, if anything.</summary>
    public IEnumerable<string> SigningProblems(bool development)
    {
        var remote = Signer is { Url.Length: > 0 };
        if (remote == PrivateKey.Length > 0)
        {
            yield return "Set exactly one of Chain:PrivateKey (the service's own key) and Chain:Signer:Url with Chain:Signer:Address (a remote signer holding it).";
            yield break;
        }
        if (remote)
            foreach (var problem in Signer!.Problems("Chain:Signer", development)) yield return problem;
    }
}

/// <summary>The contracts of one settlement currency: its SettlementToken and the CreditEscrow holding that token.</summary>
public sealed class SettlementContractAddresses
{
    public string Token { get; set; } = "";

    public string Escrow { get; set; } = "";
}

using System.Collections.Concurrent;
using System.Numerics;
using System.Text;
using Microsoft.Extensions.Logging;
using Nethereum.Util;
using Nethereum.Web3.Accounts;

namespace TradeChain.Ledger;

/// <summary>Which chain account signs for which party (section "Parties").</summary>
public sealed class PartyAccountOptions
{
    public const string Section = "Parties";

    /// <summary>party → private key. In production these come from the secret store (Dapr), one per party.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Local development only: a party without a configured key signs with
    /// <see cref="PartyWallets.DevelopmentKey"/> — derived from its name and therefore PUBLIC.
    /// </summary>
    public bool DeriveDevelopmentKeys { get; set; }

    /// <summary>
    /// Local development only (anvil charges gas; the production Besu network is free-gas): a party account holding
    /// less than this many wei is topped up to it from the service's own account before it signs. 0 turns it off.
    /// </summary>
    public string GasTopUpWei { get; set; } = "0";
}

/// <summary>A party has no chain account configured.</summary>
public sealed class UnknownPartyAccountException(string party)
    : Exception($"Party '{party}' has no chain account: configure Parties:Keys:{party}.")
{
    public string Party { get; } = party;
}

/// <summary>
/// The parties' own chain accounts, so that a title step is signed by the holder's or beneficiary's account and the
/// contract — not this service — decides whether that party may take it. The service is the parties' custodian
/// of keys here; each party's key can equally live in its own wallet, since the contract checks only the signer.
/// </summary>
public sealed class PartyWallets(ChainOptions chain, PartyAccountOptions options, ChainWriter service, ILoggerFactory loggers)
{
    private readonly ConcurrentDictionary<string, ChainWriter> _writers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _funding = new(1, 1);

    /// <summary>
    /// The PUBLIC development key of <paramref name="party"/>: keccak256 of a fixed text and the party's name. Anyone can
    /// compute it — for local runs and tests only, never on a network where anything is at stake.
    /// </summary>
    public static string DevelopmentKey(string party) =>
        "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes("TradeChain PUBLIC development party key: " + party)));

    public bool HasAccount(string party) => options.Keys.ContainsKey(party) || options.DeriveDevelopmentKeys;

    public string AddressOf(string party) => new Account(KeyOf(party)).Address;

    /// <summary>The writer that signs as <paramref name="party"/>, with gas topped up where configured.</summary>
    public async Task<ChainWriter> ForAsync(string party, CancellationToken cancellationToken)
    {
        var writer = _writers.GetOrAdd(party, p => new ChainWriter(new ChainOptions
        {
            RpcUrl = chain.RpcUrl, ChainId = chain.ChainId, PrivateKey = KeyOf(p),
            DocumentStoreAddress = chain.DocumentStoreAddress, TransitionAnchorAddress = chain.TransitionAnchorAddress,
            TitleRegistryAddress = chain.TitleRegistryAddress, Settlement = chain.Settlement, MaxAttempts = chain.MaxAttempts,
            ReceiptTimeoutSeconds = chain.ReceiptTimeoutSeconds, ReceiptPollIntervalMs = chain.ReceiptPollIntervalMs,
        }, loggers.CreateLogger<ChainWriter>()));
        var topUp = BigInteger.Parse(options.GasTopUpWei, System.Globalization.CultureInfo.InvariantCulture);
        if (topUp > 0)
        {
            await _funding.WaitAsync(cancellationToken);
            try
            {
                var balance = (await service.Web3.Eth.GetBalance.SendRequestAsync(writer.Address)).Value;
                if (balance < topUp / 2) await service.SendValueAsync(writer.Address, topUp - balance, cancellationToken);
            }
            finally
            {
                _funding.Release();
            }
        }
        return writer;
    }

    private string KeyOf(string party)
    {
        if (options.Keys.TryGetValue(party, out var key)) return key;
        if (options.DeriveDevelopmentKeys) return DevelopmentKey(party);
        throw new UnknownPartyAccountException(party);
    }
}

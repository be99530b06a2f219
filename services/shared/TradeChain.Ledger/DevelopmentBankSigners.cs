using Nethereum.Util;

namespace TradeChain.Ledger;

/// <summary>
/// Local runs and tests: the development banks keep their own keys, as a bank would. A second anvil — the "bank-signer"
/// resource of the AppHost's model — holds the accounts of <see cref="Mnemonic"/> and answers <c>eth_signTransaction</c>
/// for them; each development bank party is one of its accounts, and the services reach it as the bank's remote signer
/// (Parties:Signers:&lt;bank&gt;), so payments and documents hold no bank key. The deploy gives these addresses BANK_ROLE
/// and their token accounts. The one place that says which development bank is which signer account.
/// </summary>
public static class DevelopmentBankSigners
{
    /// <summary>
    /// The PUBLIC BIP-39 test mnemonic (the specification's all-"abandon" example): every wallet library's tests know
    /// its keys. For local runs and tests only; never for an account that holds anything.
    /// </summary>
    public const string Mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    /// <summary>
    /// Development bank party → its account on the signer (m/44'/60'/0'/0/i of <see cref="Mnemonic"/>, in the order of
    /// <see cref="LedgerDeployer.DevelopmentBankParties"/>): what anvil lists first for that mnemonic.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Accounts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["BNK-VCB"] = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", // account 0
        ["BNK-HSBC"] = "0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0", // account 1
        ["BNK-TREASURY"] = "0xb6716976A3ebe8D39aCEB04372f22Ff8e6802D7A", // account 2
    };

    /// <summary>How many accounts the signer must hold (anvil's --accounts).</summary>
    public static int AccountCount => Accounts.Count;

    /// <summary>The signer account of development bank <paramref name="party"/> (checksummed).</summary>
    public static string AddressOf(string party) =>
        Accounts.TryGetValue(party, out var address) ? AddressUtil.Current.ConvertToChecksumAddress(address)
        : throw new ArgumentException($"{party} is not a development bank (LedgerDeployer.DevelopmentBankParties)", nameof(party));

    /// <summary>
    /// The services' settings that make each development bank sign through the signer at <paramref name="signerUrl"/>
    /// (environment-variable names: Parties__Signers__BNK-VCB__Url, …__Address). Payments and documents get the same
    /// ones: both must see a bank at the same address (documents signs title steps for a bank holding a bill of lading).
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> ServiceEnvironment(string signerUrl) =>
        Accounts.Keys.SelectMany(party => new[]
        {
            KeyValuePair.Create($"Parties__Signers__{party}__Url", signerUrl),
            KeyValuePair.Create($"Parties__Signers__{party}__Address", AddressOf(party)),
        });
}

using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Util;
using Nethereum.Web3;
using TradeChain.Ledger.Contracts.SettlementToken;

namespace TradeChain.Ledger;

/// <summary>The admin call one onboarding step is.</summary>
public enum OnboardingCall
{
    /// <summary><c>grantRole(BANK_ROLE, bank)</c> on a currency's settlement token.</summary>
    GrantBankRole,

    /// <summary><c>openAccountFor(bank, bank)</c> on a currency's settlement token: the bank's own token account, serviced by itself.</summary>
    OpenOwnAccount,
}

/// <summary>
/// One admin transaction a party's onboarding needs on one currency's settlement token, and whether the chain has it in
/// place already (<see cref="Done"/>). <see cref="Blocked"/>: it cannot be done as asked (the bank's token account is open
/// at another bank), in words.
/// </summary>
public sealed record OnboardingStepPlan(string Currency, string Token, OnboardingCall Call, bool Done, string? Blocked = null)
{
    /// <summary>What the step does, in words.</summary>
    public string What => Call switch
    {
        OnboardingCall.GrantBankRole => $"Grant BANK_ROLE on the {Currency} settlement token",
        _ => $"Open the bank's own {Currency} token account (serviced by itself)",
    };

    /// <summary>The call's data for <paramref name="party"/>'s account, sent by the token's admin (encoded by its concrete type: the ABI is read from it).</summary>
    public string CallData(string party) => (Call switch
    {
        OnboardingCall.GrantBankRole => Grant(party).GetCallData(),
        _ => Open(party).GetCallData(),
    }).ToHex(true);

    private static GrantRoleFunction Grant(string party) => new() { Role = LedgerDeployer.BankRole, Account = party };

    private static OpenAccountForFunction Open(string party) => new() { Account = party, Bank = party };

    /// <summary>
    /// The transaction <paramref name="admin"/> would send for this step (its pending nonce, the node's fees, gas estimated
    /// from its account), for it to sign elsewhere: <paramref name="writer"/> only reads the chain.
    /// </summary>
    /// <exception cref="ChainRevertedException">The contract would refuse the call from <paramref name="admin"/> (not its admin).</exception>
    public Task<UnsignedTransaction> PrepareAsync(ChainWriter writer, string admin, string party, CancellationToken cancellationToken) => Call switch
    {
        OnboardingCall.GrantBankRole => writer.PrepareAsync(admin, Token, Grant(party), cancellationToken),
        _ => writer.PrepareAsync(admin, Token, Open(party), cancellationToken),
    };
}

/// <summary>
/// What onboarding a party means on chain, shared by <c>tradechain onboard</c> (which holds the admin key and sends) and the
/// payments service's operator API (which holds no admin key and hands the admin the transactions to sign): the rules a
/// party's account and signer must meet, and which admin calls are still missing.
/// </summary>
public static class OnboardingPlan
{
    public const string Bank = "bank";
    public const string Trader = "trader";

    /// <summary>The roles a party is onboarded in.</summary>
    public static readonly IReadOnlyList<string> Roles = [Bank, Trader];

    /// <summary>Why <paramref name="address"/> cannot be a party's account, or null: a hex account address, its EIP-55 checksum right when mixed case, not zero.</summary>
    public static string? AddressProblem(string address)
    {
        if (!AddressUtil.Current.IsValidEthereumAddressHexFormat(address)) return "is not an account address (0x followed by 40 hex digits)";
        if (address.Skip(2).Any(char.IsAsciiLetterUpper) && address.Skip(2).Any(char.IsAsciiLetterLower) && !AddressUtil.Current.IsChecksumAddress(address))
            return "has mixed case but not its EIP-55 checksum: a digit or letter is mistyped";
        if (address.Skip(2).All(c => c == '0')) return "is the zero address: no one signs as it";
        return null;
    }

    /// <summary>
    /// Why <paramref name="signer"/> cannot be the party's signer endpoint, or null: an absolute http(s) URL without
    /// credentials, https unless the chain's node is local (<paramref name="localChain"/>, development).
    /// </summary>
    public static string? SignerUrlProblem(string signer, bool localChain, out Uri? url)
    {
        if (!Uri.TryCreate(signer, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
            return "is not an http(s) URL of the party's signer";
        if (url.UserInfo.Length > 0)
            return "carries credentials (user:password@): the party's bearer token or client certificate go in the secret store, not the URL";
        if (url.Scheme != "https" && !localChain)
            return "must be https on a network (the transactions and the bearer token travel on it); http only when the chain's node is local";
        return null;
    }

    /// <summary>
    /// The admin calls that make <paramref name="bank"/> a bank on each settlement token (currency → token), in order,
    /// each marked done when the chain has it already: BANK_ROLE, then its own token account. Reads only.
    /// </summary>
    public static async Task<IReadOnlyList<OnboardingStepPlan>> BankStepsAsync(IWeb3 web3, IReadOnlyDictionary<string, string> tokens, string bank)
    {
        var steps = new List<OnboardingStepPlan>();
        foreach (var (currency, token) in tokens.OrderBy(t => t.Key, StringComparer.Ordinal))
            steps.AddRange(await BankStepsAsync(web3, currency, token, bank));
        return steps;
    }

    /// <summary>The two admin calls that make <paramref name="bank"/> a bank on one currency's token, each marked done when in place.</summary>
    public static async Task<IReadOnlyList<OnboardingStepPlan>> BankStepsAsync(IWeb3 web3, string currency, string token, string bank)
    {
        var hasRole = await LedgerDeployer.HasRoleAsync(web3, token, LedgerDeployer.BankRole, bank);
        var servicedBy = await LedgerDeployer.ServicingBankAsync(web3, token, bank);
        var blocked = servicedBy is not null && !string.Equals(servicedBy, bank, StringComparison.OrdinalIgnoreCase)
            ? $"{currency}: the bank's token account is open at {servicedBy}, not serviced by itself — it cannot mint into it; " +
              "that bank must close it (closeAccount) before the bank's own account can be opened"
            : null;
        return
        [
            // Not granted either while the account cannot be its own: BANK_ROLE on an address that is another bank's customer
            // would let it act as a bank with an account it does not service.
            new OnboardingStepPlan(currency, token, OnboardingCall.GrantBankRole, hasRole, hasRole ? null : blocked),
            new OnboardingStepPlan(currency, token, OnboardingCall.OpenOwnAccount, servicedBy is not null && blocked is null, blocked),
        ];
    }

    /// <summary>The lines of the payments and documents services' configuration that make them reach <paramref name="party"/>'s signer.</summary>
    public static IReadOnlyList<string> ConfigurationLines(string party, string address, Uri? signerUrl)
    {
        var prefix = $"Parties__Signers__{party}__";
        return
        [
            $"{prefix}Url={signerUrl?.ToString() ?? "<the party's signer endpoint, https://…: ask the party>"}",
            $"{prefix}Address={address}",
        ];
    }

    /// <summary>Where the party's bearer token or client certificate go: the secret store, never a ConfigMap.</summary>
    public static string SecretsNote(string party)
    {
        var prefix = $"Parties__Signers__{party}__";
        return $"The party's bearer token ({prefix}BearerToken) or client certificate ({prefix}ClientCertificatePath and " +
               $"{prefix}ClientKeyPath, and {prefix}CaCertificatePath for a private CA) come from the secret store — never a " +
               "ConfigMap. The party's key stays with the party: no service holds it.";
    }
}

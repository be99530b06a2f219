using System.Text.Json;
using Nethereum.Util;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger.Contracts.CreditEscrow;
using TradeChain.Ledger.Contracts.DocumentStore;
using TradeChain.Ledger.Contracts.SettlementToken;
using TradeChain.Ledger.Contracts.TitleRegistry;
using TradeChain.Ledger.Contracts.TransitionAnchor;

namespace TradeChain.Ledger;

/// <summary>Where the contracts live on a chain, and which service accounts hold which roles.</summary>
public sealed record ChainDeployment(
    long ChainId,
    string RpcUrl,
    string DocumentStoreAddress,
    string TransitionAnchorAddress,
    IReadOnlyDictionary<string, string> ServiceAccounts,
    string TitleRegistryAddress = "",
    IReadOnlyDictionary<string, SettlementContractAddresses>? Settlement = null)
{
    /// <summary>Settlement token and credit escrow per ISO 4217 currency; empty in a deployment made before they existed.</summary>
    public IReadOnlyDictionary<string, SettlementContractAddresses> Settlement { get; init; } =
        Settlement ?? new Dictionary<string, SettlementContractAddresses>(StringComparer.OrdinalIgnoreCase);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ChainDeployment? Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<ChainDeployment>(File.ReadAllText(path), Json) : null;
}

/// <summary>
/// Deploys the contracts and grants each service exactly the roles it needs. Idempotent: given an earlier
/// deployment whose contracts still exist on the chain, it only grants roles that are missing.
/// </summary>
public static class LedgerDeployer
{
    public static readonly byte[] IssuerRole = Role("ISSUER_ROLE");
    public static readonly byte[] RevokerRole = Role("REVOKER_ROLE");
    public static readonly byte[] AnchorRole = Role("ANCHOR_ROLE");
    public static readonly byte[] MinterRole = Role("MINTER_ROLE");
    public static readonly byte[] AccepterRole = Role("ACCEPTER_ROLE");
    public static readonly byte[] BankRole = Role("BANK_ROLE");
    public static readonly byte[] EscrowRole = Role("ESCROW_ROLE");
    public static readonly byte[] CustomsRole = Role("CUSTOMS_ROLE");

    /// <summary>OpenZeppelin's DEFAULT_ADMIN_ROLE (32 zero bytes): grants the others and opens accounts for others.</summary>
    public static readonly byte[] AdminRole = new byte[32];

    /// <summary>The currencies that get a settlement token and a credit escrow (ISO 4217).</summary>
    public static readonly IReadOnlyList<string> SettlementCurrencies = ["USD", "VND"];

    /// <summary>The development bank parties (BNK-TREASURY services the customs treasury's account).</summary>
    public static readonly IReadOnlyList<string> DevelopmentBankParties = ["BNK-VCB", "BNK-HSBC", "BNK-TREASURY"];

    /// <param name="serviceAccounts">service name → address: "customs", "documents", "payments".</param>
    /// <param name="bankAccounts">
    /// Accounts of the banks: each gets BANK_ROLE on every settlement token and its own token account (serviced by itself).
    /// </param>
    public static async Task<ChainDeployment> DeployAsync(
        string rpcUrl, long chainId, string adminKey, IReadOnlyDictionary<string, string> serviceAccounts,
        ChainDeployment? existing = null, TextWriter? log = null, IReadOnlyCollection<string>? bankAccounts = null)
    {
        var web3 = new Web3(new Account(adminKey, chainId), rpcUrl);
        string documentStore, anchor;
        if (existing is not null && existing.ChainId == chainId &&
            await HasCodeAsync(web3, existing.DocumentStoreAddress) && await HasCodeAsync(web3, existing.TransitionAnchorAddress))
        {
            documentStore = existing.DocumentStoreAddress;
            anchor = existing.TransitionAnchorAddress;
            log?.WriteLine($"contracts already deployed: DocumentStore {documentStore}, TransitionAnchor {anchor}");
        }
        else
        {
            var admin = web3.TransactionManager.Account.Address;
            var storeReceipt = await web3.Eth.GetContractDeploymentHandler<DocumentStoreDeployment>()
                .SendRequestAndWaitForReceiptAsync(new DocumentStoreDeployment { Name = "TradeChain Document Store", Admin = admin });
            documentStore = storeReceipt.ContractAddress;
            log?.WriteLine($"DocumentStore deployed at {documentStore} (tx {storeReceipt.TransactionHash})");
            var anchorReceipt = await web3.Eth.GetContractDeploymentHandler<TransitionAnchorDeployment>()
                .SendRequestAndWaitForReceiptAsync(new TransitionAnchorDeployment { Admin = admin });
            anchor = anchorReceipt.ContractAddress;
            log?.WriteLine($"TransitionAnchor deployed at {anchor} (tx {anchorReceipt.TransactionHash})");
        }

        // The title registry came later than the other two: an older deployment gains it without redeploying them.
        string titleRegistry;
        if (existing is not null && existing.ChainId == chainId && !string.IsNullOrEmpty(existing.TitleRegistryAddress)
            && await HasCodeAsync(web3, existing.TitleRegistryAddress) && existing.DocumentStoreAddress == documentStore)
        {
            titleRegistry = existing.TitleRegistryAddress;
            log?.WriteLine($"contract already deployed: TitleRegistry {titleRegistry}");
        }
        else
        {
            var receipt = await web3.Eth.GetContractDeploymentHandler<TitleRegistryDeployment>().SendRequestAndWaitForReceiptAsync(
                new TitleRegistryDeployment { Name = "TradeChain Bills of Lading", Symbol = "TCBL", Admin = web3.TransactionManager.Account.Address });
            titleRegistry = receipt.ContractAddress;
            log?.WriteLine($"TitleRegistry deployed at {titleRegistry} (tx {receipt.TransactionHash})");
        }

        // Documents issues and revokes; every service anchors its own transitions. Nothing else.
        if (serviceAccounts.TryGetValue("documents", out var documents))
        {
            await GrantAsync(web3, documentStore, IssuerRole, documents, log);
            await GrantAsync(web3, documentStore, RevokerRole, documents, log);
            await GrantAsync(web3, titleRegistry, MinterRole, documents, log);
            await GrantAsync(web3, titleRegistry, AccepterRole, documents, log);
        }
        foreach (var (service, address) in serviceAccounts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            await GrantAsync(web3, anchor, AnchorRole, address, log, service);
        }

        var settlement = new Dictionary<string, SettlementContractAddresses>(StringComparer.OrdinalIgnoreCase);
        foreach (var currency in SettlementCurrencies)
        {
            settlement[currency] = await DeploySettlementAsync(web3, chainId, currency, serviceAccounts, bankAccounts ?? [], existing, log);
        }

        return new ChainDeployment(chainId, rpcUrl, documentStore, anchor, serviceAccounts, titleRegistry, settlement);
    }

    /// <summary>
    /// One currency's SettlementToken and CreditEscrow: the escrow gets ESCROW_ROLE and its own token account (serviced by
    /// itself, so no bank can mint into or debit it), customs gets CUSTOMS_ROLE on the escrow, each bank gets BANK_ROLE
    /// and its own account.
    /// </summary>
    private static async Task<SettlementContractAddresses> DeploySettlementAsync(Web3 web3, long chainId, string currency,
        IReadOnlyDictionary<string, string> serviceAccounts, IReadOnlyCollection<string> bankAccounts, ChainDeployment? existing, TextWriter? log)
    {
        var admin = web3.TransactionManager.Account.Address;
        SettlementContractAddresses addresses;
        if (existing is not null && existing.ChainId == chainId && existing.Settlement.TryGetValue(currency, out var earlier)
            && await HasCodeAsync(web3, earlier.Token) && await HasCodeAsync(web3, earlier.Escrow))
        {
            addresses = new SettlementContractAddresses { Token = earlier.Token, Escrow = earlier.Escrow };
            log?.WriteLine($"contracts already deployed: SettlementToken {currency} {addresses.Token}, CreditEscrow {currency} {addresses.Escrow}");
        }
        else
        {
            var tokenReceipt = await web3.Eth.GetContractDeploymentHandler<SettlementTokenDeployment>().SendRequestAndWaitForReceiptAsync(
                new SettlementTokenDeployment { Name = $"TradeChain {currency} Deposit", Symbol = $"tc{currency}", Currency = currency, Admin = admin });
            var token = tokenReceipt.ContractAddress;
            log?.WriteLine($"SettlementToken {currency} deployed at {token} (tx {tokenReceipt.TransactionHash})");
            var escrowReceipt = await web3.Eth.GetContractDeploymentHandler<CreditEscrowDeployment>().SendRequestAndWaitForReceiptAsync(
                new CreditEscrowDeployment { Token = token, Admin = admin });
            log?.WriteLine($"CreditEscrow {currency} deployed at {escrowReceipt.ContractAddress} (tx {escrowReceipt.TransactionHash})");
            addresses = new SettlementContractAddresses { Token = token, Escrow = escrowReceipt.ContractAddress };
        }

        await GrantAsync(web3, addresses.Token, EscrowRole, addresses.Escrow, log, $"{currency} escrow");
        await OpenAccountForAsync(web3, addresses.Token, addresses.Escrow, addresses.Escrow, log, $"{currency} escrow");
        if (serviceAccounts.TryGetValue("customs", out var customs))
            await GrantAsync(web3, addresses.Escrow, CustomsRole, customs, log, "customs");
        foreach (var bank in bankAccounts)
            await MakeBankAsync(web3, currency, addresses.Token, bank, log);
        return addresses;
    }

    /// <summary>
    /// The development banks' accounts: those of <see cref="DevelopmentBankParties"/> on their signer
    /// (<see cref="DevelopmentBankSigners"/>), not keys derived from their names — the services never hold a bank's key.
    /// </summary>
    public static IReadOnlyList<string> DevelopmentBanks() => DevelopmentBankParties.Select(DevelopmentBankSigners.AddressOf).ToList();

    /// <summary>The local service accounts: the well-known development keys (see <see cref="DevelopmentAccounts"/>).</summary>
    public static IReadOnlyDictionary<string, string> DevelopmentServiceAccounts() => new Dictionary<string, string>
    {
        ["customs"] = new Account(DevelopmentAccounts.CustomsKey).Address,
        ["documents"] = new Account(DevelopmentAccounts.DocumentsKey).Address,
        ["payments"] = new Account(DevelopmentAccounts.PaymentsKey).Address,
    };

    /// <summary>
    /// Grants <paramref name="role"/> on <paramref name="contract"/> (any of TradeChain's AccessControl contracts) unless
    /// <paramref name="account"/> holds it already: the grant's transaction hash, or null when nothing was sent — so a rerun
    /// of deploy or onboard grants nothing twice. <paramref name="web3"/> signs as the contract's admin.
    /// </summary>
    public static async Task<string?> GrantAsync(IWeb3 web3, string contract, byte[] role, string account, TextWriter? log, string? service = null)
    {
        if (await HasRoleAsync(web3, contract, role, account)) return null;
        var receipt = await web3.Eth.GetContractTransactionHandler<Contracts.DocumentStore.GrantRoleFunction>()
            .SendRequestAndWaitForReceiptAsync(contract, new Contracts.DocumentStore.GrantRoleFunction { Role = role, Account = account });
        log?.WriteLine($"granted {ContractErrors.RoleName(role)} on {contract} to {service ?? "documents"} {account} (tx {receipt.TransactionHash})");
        return receipt.TransactionHash;
    }

    /// <summary>Whether <paramref name="account"/> holds <paramref name="role"/> on <paramref name="contract"/> (a read, no transaction).</summary>
    public static Task<bool> HasRoleAsync(IWeb3 web3, string contract, byte[] role, string account) =>
        web3.Eth.GetContractQueryHandler<Contracts.DocumentStore.HasRoleFunction>()
            .QueryAsync<bool>(contract, new Contracts.DocumentStore.HasRoleFunction { Role = role, Account = account });

    /// <summary>
    /// Opens <paramref name="account"/>'s token account serviced by <paramref name="bank"/> (admin only: openAccountFor) unless
    /// it is open already, at whichever bank: the transaction hash, or null when nothing was sent.
    /// </summary>
    public static async Task<string?> OpenAccountForAsync(IWeb3 web3, string token, string account, string bank, TextWriter? log, string what)
    {
        if (await ServicingBankAsync(web3, token, account) is not null) return null;
        var receipt = await web3.Eth.GetContractTransactionHandler<OpenAccountForFunction>()
            .SendRequestAndWaitForReceiptAsync(token, new OpenAccountForFunction { Account = account, Bank = bank });
        log?.WriteLine($"opened the token account of {what} {account} on {token}, serviced by {bank} (tx {receipt.TransactionHash})");
        return receipt.TransactionHash;
    }

    /// <summary>The bank servicing <paramref name="account"/>'s token account, or null when it has none.</summary>
    public static async Task<string?> ServicingBankAsync(IWeb3 web3, string token, string account)
    {
        var current = await web3.Eth.GetContractQueryHandler<ServicingBankFunction>()
            .QueryAsync<string>(token, new ServicingBankFunction { Account = account });
        return current is not null && current.TrimStart('0', 'x').Length > 0 ? current : null;
    }

    /// <summary>
    /// Makes <paramref name="bank"/> a bank on one currency's token, as the deployment does for the development banks:
    /// BANK_ROLE, and its own token account serviced by itself (where it mints what it pays out and burns what it takes
    /// in). Each step only when missing; the hashes of the transactions sent, in order (none on a rerun).
    /// </summary>
    public static async Task<IReadOnlyList<string>> MakeBankAsync(IWeb3 web3, string currency, string token, string bank, TextWriter? log)
    {
        var sent = new List<string>();
        if (await GrantAsync(web3, token, BankRole, bank, log, "bank") is { } granted) sent.Add(granted);
        if (await OpenAccountForAsync(web3, token, bank, bank, log, $"{currency} bank") is { } opened) sent.Add(opened);
        return sent;
    }

    /// <summary>Whether a contract is deployed at <paramref name="address"/>.</summary>
    public static async Task<bool> HasCodeAsync(IWeb3 web3, string address)
    {
        if (string.IsNullOrEmpty(address)) return false;
        var code = await web3.Eth.GetCode.SendRequestAsync(address);
        return code is { Length: > 2 };
    }

    private static byte[] Role(string name) => Sha3Keccack.Current.CalculateHash(System.Text.Encoding.UTF8.GetBytes(name));
}

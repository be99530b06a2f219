using System.Text.Json;
using Nethereum.Util;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger.Contracts.DocumentStore;
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
    string TitleRegistryAddress = "")
{
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

    /// <param name="serviceAccounts">service name → address: "customs", "documents", "payments".</param>
    public static async Task<ChainDeployment> DeployAsync(
        string rpcUrl, long chainId, string adminKey, IReadOnlyDictionary<string, string> serviceAccounts,
        ChainDeployment? existing = null, TextWriter? log = null)
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

        return new ChainDeployment(chainId, rpcUrl, documentStore, anchor, serviceAccounts, titleRegistry);
    }

    /// <summary>The local service accounts: the well-known development keys (see <see cref="DevelopmentAccounts"/>).</summary>
    public static IReadOnlyDictionary<string, string> DevelopmentServiceAccounts() => new Dictionary<string, string>
    {
        ["customs"] = new Account(DevelopmentAccounts.CustomsKey).Address,
        ["documents"] = new Account(DevelopmentAccounts.DocumentsKey).Address,
        ["payments"] = new Account(DevelopmentAccounts.PaymentsKey).Address,
    };

    private static async Task GrantAsync(Web3 web3, string contract, byte[] role, string account, TextWriter? log, string? service = null)
    {
        var hasRole = await web3.Eth.GetContractQueryHandler<Contracts.DocumentStore.HasRoleFunction>()
            .QueryAsync<bool>(contract, new Contracts.DocumentStore.HasRoleFunction { Role = role, Account = account });
        if (hasRole) return;
        var receipt = await web3.Eth.GetContractTransactionHandler<Contracts.DocumentStore.GrantRoleFunction>()
            .SendRequestAndWaitForReceiptAsync(contract, new Contracts.DocumentStore.GrantRoleFunction { Role = role, Account = account });
        log?.WriteLine($"granted {ContractErrors.RoleName(role)} on {contract} to {service ?? "documents"} {account} (tx {receipt.TransactionHash})");
    }

    private static async Task<bool> HasCodeAsync(Web3 web3, string address)
    {
        var code = await web3.Eth.GetCode.SendRequestAsync(address);
        return code is { Length: > 2 };
    }

    private static byte[] Role(string name) => Sha3Keccack.Current.CalculateHash(System.Text.Encoding.UTF8.GetBytes(name));
}

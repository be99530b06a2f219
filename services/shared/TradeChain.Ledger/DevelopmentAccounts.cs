namespace TradeChain.Ledger;

/// <summary>
/// The PUBLIC, WELL-KNOWN local development accounts of anvil/Hardhat (mnemonic
/// "test test test test test test test test test test test junk"). Every Ethereum developer has these keys:
/// they exist for local runs and tests only and must never hold value or be used on a real network.
/// Production keys come from the secret store.
/// </summary>
public static class DevelopmentAccounts
{
    /// <summary>Account #0 — deploys the contracts and holds their admin role locally.</summary>
    public const string DeployerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /// <summary>Account #1 — the customs service's signing account locally.</summary>
    public const string CustomsKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    /// <summary>Account #2 — the documents service's signing account locally.</summary>
    public const string DocumentsKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

    /// <summary>Account #3 — the payments service's signing account locally.</summary>
    public const string PaymentsKey = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

    /// <summary>Account #4 — holds no role; used to prove that unauthorised writes are refused.</summary>
    public const string OutsiderKey = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";

    public const int ChainId = 31337;
}

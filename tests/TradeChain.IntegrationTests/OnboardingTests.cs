using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// `tradechain onboard` on a freshly deployed anvil chain, for a bank whose key no service knows (a random key made
/// here, standing in for the bank's own signer): before onboarding the contract refuses its mint for the missing role;
/// after, the bank mints into its own account and opens and credits a customer's; a rerun sends nothing.
/// </summary>
public sealed class OnboardingTests : IAsyncLifetime
{
    private AnvilNode _chain = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _chain = await AnvilNode.StartAsync();
        _directory = TestEnvironment.NewTempDirectory("onboard");
    }

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    private static CancellationToken None => CancellationToken.None;

    private ChainWriter Writer(string key) => new(_chain.OptionsFor(key), NullLogger<ChainWriter>.Instance);

    /// <summary>The command's options as an operator gives them: deployment file and admin key file (the PUBLIC anvil #0 key).</summary>
    private async Task<Dictionary<string, string>> OptionsAsync(string party, string role, string address)
    {
        var deployment = Path.Combine(_directory, "deployment.json");
        await File.WriteAllTextAsync(deployment, _chain.Deployment.ToJson());
        var adminKey = Path.Combine(_directory, "admin-key");
        await File.WriteAllTextAsync(adminKey, DevelopmentAccounts.DeployerKey);
        return new Dictionary<string, string>
        {
            ["party"] = party, ["role"] = role, ["address"] = address, ["rpc"] = _chain.RpcUrl, ["chain-id"] = DevelopmentAccounts.ChainId.ToString(),
            ["deployment"] = deployment, ["admin-key-file"] = adminKey, ["signer-url"] = "https://signer.bnk-new.example/",
            ["no-signer-check"] = "true", // a signer that is not there (see the signer test below)
        };
    }

    private static async Task<(int Exit, string Output)> OnboardAsync(Dictionary<string, string> options)
    {
        var output = new StringWriter();
        var exit = await OnboardCommand.RunAsync(options, output, output);
        return (exit, output.ToString());
    }

    [Fact]
    public async Task A_bank_refused_before_onboarding_mints_and_opens_accounts_after_it_and_a_rerun_sends_nothing()
    {
        // The bank's key: made here, known to no service and to no configuration.
        var bank = Writer(EthECKey.GenerateKey().GetPrivateKeyAsBytes().ToHex(prefix: true));
        var customer = Writer(EthECKey.GenerateKey().GetPrivateKeyAsBytes().ToHex(prefix: true));
        var payments = Writer(DevelopmentAccounts.PaymentsKey);
        var settlement = new SettlementClient(payments, _chain.OptionsFor(DevelopmentAccounts.PaymentsKey));
        var funder = Writer(DevelopmentAccounts.DeployerKey); // anvil charges gas; the production network is free-gas
        await funder.SendValueAsync(bank.Address, BigInteger.Pow(10, 18), None);
        await funder.SendValueAsync(customer.Address, BigInteger.Pow(10, 18), None);

        var before = await Assert.ThrowsAsync<ChainRevertedException>(() =>
            settlement.MintAsync(bank, "USD", bank.Address, 100, SettlementClient.Reference("before onboarding"), None));
        Assert.Contains("BANK_ROLE", before.Error);
        Assert.Null(await settlement.ServicingBankAsync("USD", bank.Address));

        var options = await OptionsAsync("BNK-NEW", OnboardCommand.Bank, bank.Address);
        var (exit, output) = await OnboardAsync(options);
        Assert.True(exit == 0, output);
        foreach (var currency in LedgerDeployer.SettlementCurrencies)
        {
            var token = _chain.Deployment.Settlement[currency].Token;
            Assert.Contains($"granted BANK_ROLE on {token} to bank {bank.Address} (tx 0x", output);
            Assert.Contains($"opened the token account of {currency} bank {bank.Address} on {token}, serviced by {bank.Address} (tx 0x", output);
            Assert.Equal(bank.Address, await settlement.ServicingBankAsync(currency, bank.Address), ignoreCase: true);
        }
        Assert.Contains("Parties__Signers__BNK-NEW__Url=https://signer.bnk-new.example/", output);
        Assert.Contains($"Parties__Signers__BNK-NEW__Address={bank.Address}", output);
        Assert.Contains("secret store", output);

        // The same mint, now accepted; and the bank runs a customer's account as any bank does.
        await settlement.MintAsync(bank, "USD", bank.Address, 100, SettlementClient.Reference("after onboarding"), None);
        Assert.Equal(100, await settlement.BalanceOfAsync("USD", bank.Address));
        await settlement.MandateBankAsync(customer, "USD", bank.Address, None);
        Assert.NotNull(await settlement.OpenAccountAsync(bank, "USD", customer.Address, None));
        await settlement.MintAsync(bank, "USD", customer.Address, 250, SettlementClient.Reference("customer deposit"), None);
        Assert.Equal(250, await settlement.BalanceOfAsync("USD", customer.Address));

        var block = await payments.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync();
        var (again, rerun) = await OnboardAsync(options);
        Assert.True(again == 0, rerun);
        Assert.DoesNotContain("granted", rerun);
        Assert.DoesNotContain("opened", rerun);
        Assert.Contains("nothing sent", rerun);
        Assert.Equal(block.Value, (await payments.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value); // no transaction at all
    }

    [Fact]
    public async Task The_parties_signer_is_asked_to_sign_as_its_address_and_one_that_holds_another_account_is_reported()
    {
        // The party's own signer: a node holding its account (the development banks' signer mnemonic; account 0 here).
        await using var signer = await BankSignerNode.StartAsync();
        var held = DevelopmentBankSigners.AddressOf("BNK-VCB");
        var options = await OptionsAsync("EXP-SIGNER", OnboardCommand.Trader, held);
        options.Remove("no-signer-check");
        options["signer-url"] = signer.Url;
        var block = await Writer(DevelopmentAccounts.PaymentsKey).Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync();

        var (exit, output) = await OnboardAsync(options);
        Assert.True(exit == 0, output);
        Assert.Contains($"signer: {new Uri(signer.Url)} signs as {held} (checked", output);

        // An address the signer does not hold (mistyped, or the party's other account): reported, the onboarding incomplete.
        var other = EthECKey.GenerateKey().GetPublicAddress();
        options["address"] = other;
        var (wrong, wrongOutput) = await OnboardAsync(options);
        Assert.True(wrong == OnboardCommand.Incomplete, wrongOutput);
        Assert.Contains($"did not sign as {Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(other)}", wrongOutput);
        Assert.Contains("INCOMPLETE", wrongOutput);
        // The check sends nothing to the chain.
        Assert.Equal(block.Value, (await Writer(DevelopmentAccounts.PaymentsKey).Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value);
    }

    [Fact]
    public async Task A_node_without_permissioning_is_reported_and_the_rest_is_done()
    {
        var trader = EthECKey.GenerateKey().GetPublicAddress();
        var options = await OptionsAsync("EXP-NEW", OnboardCommand.Trader, trader);
        options["allowlist-rpc"] = _chain.RpcUrl; // anvil: no perm_ methods

        var (exit, output) = await OnboardAsync(options);

        Assert.True(exit == OnboardCommand.Incomplete, output);
        Assert.Contains($"allowlist: {_chain.RpcUrl} is not a Besu node with permissioning", output);
        Assert.Contains("the account allowlist was NOT updated", output);
        Assert.Contains("trader: no role to grant on chain", output);
        Assert.Contains($"Parties__Signers__EXP-NEW__Address={Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(trader)}", output);
        Assert.Contains("INCOMPLETE", output);
    }

    [Fact]
    public async Task A_wrong_admin_key_or_chain_sends_nothing_and_says_why()
    {
        var bank = EthECKey.GenerateKey().GetPublicAddress();
        var options = await OptionsAsync("BNK-NEW", OnboardCommand.Bank, bank);
        var outsiderKey = Path.Combine(_directory, "outsider-key");
        await File.WriteAllTextAsync(outsiderKey, DevelopmentAccounts.OutsiderKey); // PUBLIC anvil #4: no admin role
        options["admin-key-file"] = outsiderKey;
        var block = (await Writer(DevelopmentAccounts.PaymentsKey).Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

        var (exit, output) = await OnboardAsync(options);
        Assert.Equal(1, exit);
        Assert.Contains("does not hold DEFAULT_ADMIN_ROLE", output);

        options["chain-id"] = "1";
        options.Remove("deployment");
        options["tokens"] = $"USD={_chain.Deployment.Settlement["USD"].Token}";
        (exit, output) = await OnboardAsync(options);
        Assert.Equal(1, exit);
        Assert.Contains("runs chain id 31337, not 1", output);
        Assert.Equal(block, (await Writer(DevelopmentAccounts.PaymentsKey).Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value);
    }
}

using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A bank's key held by the bank, not by the service: a second anvil holding the development banks' accounts signs
/// (eth_signTransaction), the service's writer sends what it signed to the chain — the real parts of issue 16.
/// </summary>
public sealed class RemoteSignerChainTests : IAsyncLifetime
{
    private const string Bank = "BNK-VCB";
    private AnvilNode _chain = null!;
    private BankSignerNode _signer = null!;

    public async Task InitializeAsync()
    {
        var starting = BankSignerNode.StartAsync();
        _chain = await AnvilNode.StartAsync();
        _signer = await starting;
    }

    public async Task DisposeAsync()
    {
        await _signer.DisposeAsync();
        await _chain.DisposeAsync();
    }

    [Fact]
    public async Task The_signer_holds_the_development_banks_accounts_and_the_deploy_made_those_accounts_the_banks()
    {
        using var http = new HttpClient();
        var answer = await (await http.PostAsJsonAsync(_signer.Url, new { jsonrpc = "2.0", id = 1, method = "eth_accounts", @params = Array.Empty<object>() }))
            .Content.ReadFromJsonAsync<JsonObject>();
        var held = answer!["result"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        // Each development bank is one account of the signer, in the order anvil derives them; the tests' keys are those accounts'.
        Assert.Equal(LedgerDeployer.DevelopmentBankParties.Select(DevelopmentBankSigners.AddressOf), held, StringComparer.OrdinalIgnoreCase);
        foreach (var bank in LedgerDeployer.DevelopmentBankParties)
        {
            Assert.Equal(DevelopmentBankSigners.AddressOf(bank), new Account(DevelopmentBankKeys.KeyOf(bank)).Address, ignoreCase: true);
            // Not the key a service would derive from the bank's name: no service can sign as the bank.
            Assert.NotEqual(DevelopmentBankSigners.AddressOf(bank), new Account(PartyWallets.DevelopmentKey(bank)).Address, StringComparer.OrdinalIgnoreCase);
        }
        Assert.Equal(held, LedgerDeployer.DevelopmentBanks(), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_bank_step_signed_by_the_banks_own_signer_is_mined_on_the_chain_with_the_service_paying_its_gas()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.PaymentsKey);
        var service = new ChainWriter(options, NullLogger<ChainWriter>.Instance);
        // As payments is configured by the AppHost: parties' keys derived (Development), the bank's behind its signer.
        var wallets = new PartyWallets(options, new PartyAccountOptions
        {
            DeriveDevelopmentKeys = true,
            GasTopUpWei = "1000000000000000000",
            Signers = { [Bank] = new RemoteSignerOptions { Url = _signer.Url, Address = DevelopmentBankSigners.AddressOf(Bank) } },
        }, service, NullLoggerFactory.Instance);
        Assert.StartsWith("the remote signer at", wallets.KeyHolderOf(Bank));
        Assert.Equal(DevelopmentBankSigners.AddressOf(Bank), wallets.AddressOf(Bank));
        Assert.Equal(BigInteger.Zero, (await service.Web3.Eth.GetBalance.SendRequestAsync(wallets.AddressOf(Bank))).Value); // no gas of its own on this chain

        var bank = await wallets.ForAsync(Bank, CancellationToken.None); // topped up by address from the service's account
        var settlement = new SettlementClient(service, options);
        var receipt = await settlement.MintAsync(bank, "USD", bank.Address, 12_34, SettlementClient.Reference("remote-signer " + Guid.NewGuid()), CancellationToken.None);

        var mined = await service.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(receipt.TransactionHash);
        Assert.Equal(DevelopmentBankSigners.AddressOf(Bank), mined.From, ignoreCase: true);
        Assert.Equal(new BigInteger(12_34), await settlement.BalanceOfAsync("USD", bank.Address)); // a bank's step: BANK_ROLE is on the signer's account
    }

    [Fact]
    public async Task A_signer_asked_for_an_account_it_does_not_hold_refuses_and_nothing_is_sent()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.PaymentsKey);
        var stranger = new Account(DevelopmentAccounts.OutsiderKey).Address; // an account the bank's signer does not hold
        using var signer = new RemoteSigner(new RemoteSignerOptions { Url = _signer.Url, Address = stranger });
        var writer = new ChainWriter(options, signer, NullLogger<ChainWriter>.Instance);
        var before = (await writer.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(stranger, BlockParameter.CreatePending())).Value;

        var refused = await Assert.ThrowsAsync<RemoteSignerException>(() => writer.SendValueAsync(new Account(DevelopmentAccounts.DeployerKey).Address, 1, CancellationToken.None));

        Assert.Contains($"refused to sign for {stranger}", refused.Message);
        Assert.Contains(_signer.Url, refused.Message); // says which signer, so an operator knows where to look
        Assert.Equal(before, (await writer.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(stranger, BlockParameter.CreatePending())).Value);
    }
}

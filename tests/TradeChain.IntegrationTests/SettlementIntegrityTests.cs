using System.Net;
using System.Numerics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// Duty settlement through the running services (real anvil, RabbitMQ and databases) under attack:
/// no duty is marked paid without the money reaching the customs treasury.
/// </summary>
public sealed class SettlementIntegrityTests
{
    private const string TreasuryParty = "CUSTOMS-TREASURY";

    [Fact]
    public async Task A_colluding_bank_minting_under_the_duty_reference_does_not_make_the_honest_settlement_look_done()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        var (declaration, reference, amount, currency) = await AssessedDeclarationAsync(system, exporter, "LRN-FORGED-DUTY");

        // The duty's payment reference is predictable; a bank colluding with the declarant (HSBC, which services only
        // itself here) takes it first on chain: 0.01 minted to its own account under that reference.
        var chain = Settlement(system);
        var colluder = await FundedWriterAsync(system, PartyWallets.DevelopmentKey("BNK-HSBC"));
        var forged = await chain.MintAsync(colluder, currency, colluder.Address, 1, SettlementClient.Reference($"duty-payment:{reference}"), CancellationToken.None);
        Assert.NotNull(forged);

        // The declarant's own bank settles: the real transfer happens, from the declarant to the treasury.
        var settled = await SettleDuty(bank, system.Payments.BaseAddress, reference, GoldenPath.ExporterParty);
        Assert.Equal("Settled", settled["status"]!.GetValue<string>());
        Assert.NotEqual(forged!.TransactionHash, settled["settlementTransactionHash"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var minor = new BigInteger(amount * 100m);
        Assert.Equal(minor, await chain.BalanceOfAsync(currency, new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(TreasuryParty)).Address));
        Assert.Equal(BigInteger.Zero, await chain.BalanceOfAsync(currency, new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey(GoldenPath.ExporterParty)).Address));

        // Only now — with the duty in the treasury — does customs release the goods.
        await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{declaration}"), "Released");
    }

    /// <summary>A declaration lodged with two issued documents and assessed: its id and its duty payment.</summary>
    private static async Task<(string Id, string Reference, decimal Amount, string Currency)> AssessedDeclarationAsync(TradeChainSystem system, HttpClient exporter, string lrn)
    {
        var co = await IssueDocument(exporter, system.Documents.BaseAddress, "certificate-of-origin", CertificateOfOrigin($"CO-{lrn}"));
        var invoice = await IssueDocument(exporter, system.Documents.BaseAddress, "commercial-invoice", Invoice($"INV-{lrn}"));
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration(lrn, co, invoice, 5_000m));
        var id = lodged["id"]!.GetValue<string>();
        var assessed = await PollStatus(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{id}"), "Assessed");
        var reference = assessed["paymentReference"]!.GetValue<string>();
        var payment = await Poll(exporter, new Uri(system.Payments.BaseAddress, $"duty-payments/{reference}"), _ => true);
        return (id, reference, payment["amount"]!.GetValue<decimal>(), payment["currency"]!.GetValue<string>());
    }

    private static ChainOptions Options(TradeChainSystem system, string key) => new()
    {
        RpcUrl = system.Chain.RpcUrl, ChainId = DevelopmentAccounts.ChainId, PrivateKey = key,
        DocumentStoreAddress = system.Chain.Deployment.DocumentStoreAddress, TransitionAnchorAddress = system.Chain.Deployment.TransitionAnchorAddress,
        Settlement = system.Chain.Deployment.Settlement.ToDictionary(p => p.Key, p => new SettlementContractAddresses { Token = p.Value.Token, Escrow = p.Value.Escrow },
            StringComparer.OrdinalIgnoreCase),
    };

    private static ChainWriter Writer(TradeChainSystem system, string key) => new(Options(system, key), NullLogger<ChainWriter>.Instance);

    private static ChainProbe Settlement(TradeChainSystem system) =>
        new(new SettlementClient(Writer(system, DevelopmentAccounts.PaymentsKey), Options(system, DevelopmentAccounts.PaymentsKey)), Writer(system, DevelopmentAccounts.PaymentsKey));

    private static async Task<ChainWriter> FundedWriterAsync(TradeChainSystem system, string key)
    {
        var writer = Writer(system, key);
        await Writer(system, DevelopmentAccounts.DeployerKey).SendValueAsync(writer.Address, BigInteger.Pow(10, 18), CancellationToken.None);
        return writer;
    }

    private static async Task Until(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 45 s for: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The settlement contracts and the raw chain, as an outside observer sees them.</summary>
    private sealed class ChainProbe(SettlementClient settlement, ChainWriter reader)
    {
        public async Task<ChainReceipt?> MintAsync(ChainWriter bank, string currency, string to, BigInteger amount, byte[] reference, CancellationToken ct) =>
            await settlement.MintAsync(bank, currency, to, amount, reference, ct);

        public Task<BigInteger> BalanceOfAsync(string currency, string account) => settlement.BalanceOfAsync(currency, account);

        public async Task<BigInteger> Web3Nonce(string account, BlockParameter block) =>
            (await reader.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(account, block)).Value;

        public Task Rpc(string method, params object[] parameters) => reader.Web3.Client.SendRequestAsync<object>(method, null, parameters);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The operator's check of an onboarding, on the real system: GET /parties/{party}/account on the payments service
/// reads the party's account, where its key is held and its bank role and token accounts from the chain — before and
/// after `tradechain onboard` — and shows a party only to the operator and to the party itself.
/// </summary>
public sealed class PartyAccountTests
{
    private static async Task<JsonObject> AccountAsync(HttpClient client, Uri payments, string party) =>
        await Get(client, new Uri(payments, $"parties/{party}/account"));

    private static JsonObject Currency(JsonObject account, string currency) =>
        account["currencies"]!.AsArray().Single(c => c!["currency"]!.GetValue<string>() == currency)!.AsObject();

    [Fact]
    public async Task The_operator_sees_a_bank_onboarded_and_a_party_sees_only_itself()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var payments = system.Payments.BaseAddress;
        using var @operator = Client(Roles.Operator, "OPS-TRADECHAIN", "operator");
        using var vcb = Client(Roles.Bank, "BNK-VCB");
        using var hsbc = Client(Roles.Bank, "BNK-HSBC");

        // A development bank, granted its role by the deployment; its key is with its own signer (the bank-signer anvil).
        var known = await AccountAsync(@operator, payments, "BNK-VCB");
        Assert.Equal(DevelopmentBankSigners.AddressOf("BNK-VCB"), known["address"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.Contains("the remote signer at http://127.0.0.1:", known["keyHeldBy"]!.GetValue<string>());
        foreach (var currency in LedgerDeployer.SettlementCurrencies)
        {
            Assert.True(Currency(known, currency)["bankRole"]!.GetValue<bool>());
            Assert.True(Currency(known, currency)["ownAccount"]!.GetValue<bool>());
        }
        Assert.Equal("BNK-VCB", (await AccountAsync(vcb, payments, "BNK-VCB"))["party"]!.GetValue<string>()); // a party sees itself

        // A bank not onboarded yet: the service knows its (development) account, the chain gives it nothing.
        const string newcomer = "BNK-NEWCOMER";
        var before = await AccountAsync(@operator, payments, newcomer);
        var address = before["address"]!.GetValue<string>();
        Assert.False(Currency(before, "USD")["bankRole"]!.GetValue<bool>());
        Assert.Null(Currency(before, "USD")["servicingBank"]);

        var directory = TestEnvironment.NewTempDirectory("onboard-system");
        var deployment = Path.Combine(directory, "deployment.json");
        await File.WriteAllTextAsync(deployment, system.Chain.Deployment.ToJson());
        var adminKey = Path.Combine(directory, "admin-key");
        await File.WriteAllTextAsync(adminKey, DevelopmentAccounts.DeployerKey); // PUBLIC anvil #0
        var output = new StringWriter();
        var exit = await OnboardCommand.RunAsync(new Dictionary<string, string>
        {
            ["party"] = newcomer, ["role"] = OnboardCommand.Bank, ["address"] = address, ["rpc"] = system.Chain.RpcUrl,
            ["chain-id"] = DevelopmentAccounts.ChainId.ToString(), ["deployment"] = deployment, ["admin-key-file"] = adminKey,
        }, output, output);
        Assert.True(exit == 0, output.ToString());

        var after = await AccountAsync(@operator, payments, newcomer);
        foreach (var currency in LedgerDeployer.SettlementCurrencies)
        {
            Assert.True(Currency(after, currency)["bankRole"]!.GetValue<bool>());
            Assert.Equal(address, Currency(after, currency)["servicingBank"]!.GetValue<string>(), ignoreCase: true);
            Assert.True(Currency(after, currency)["ownAccount"]!.GetValue<bool>());
        }

        // Another party's set-up is not a trading party's business; a name outside the rule is a problem naming the field.
        var (hidden, hiddenBody) = await Send(hsbc, HttpMethod.Get, new Uri(payments, "parties/BNK-VCB/account"));
        Assert.Equal(HttpStatusCode.NotFound, hidden);
        Assert.Equal("https://tradechain.dev/problems/not-found", hiddenBody!["type"]!.GetValue<string>());
        var (bad, badBody) = await Send(@operator, HttpMethod.Get, new Uri(payments, "parties/BNK%20VCB%21/account"));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.NotNull(badBody!["errors"]!["party"]);
        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(payments, "parties/BNK-VCB/account"))).StatusCode);
        // The operator reads set-ups only: no trade endpoint admits it.
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(@operator, HttpMethod.Get, new Uri(payments, "credits"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(@operator, HttpMethod.Get, new Uri(payments, "accounts"))).Status);
    }
}

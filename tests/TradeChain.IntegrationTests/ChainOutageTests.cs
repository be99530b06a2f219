using System.Net;
using System.Text.Json.Nodes;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;

namespace TradeChain.IntegrationTests;

/// <summary>Customs keeps working while the chain is down, and everything catches up when it is back.</summary>
public sealed class ChainOutageTests
{
    [Fact]
    public async Task Customs_accepts_declarations_while_the_chain_is_down_and_anchoring_catches_up()
    {
        await using var system = await TradeChainSystem.StartAsync();
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        var co = await IssueCertificateOfOrigin(exporter, system.Documents.BaseAddress, "CO-OUTAGE");
        var invoice = await IssueInvoice(exporter, system.Documents.BaseAddress, "INV-OUTAGE");

        await system.Chain.StopAsync();

        // The declaration is accepted and registered; its transition waits for the chain.
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration("LRN-OUTAGE-1", co, invoice));
        var declaration = new Uri(system.Customs.BaseAddress, $"declarations/{lodged["id"]}");
        Assert.Equal("Registered", lodged["status"]!.GetValue<string>());
        var pending = await Get(exporter, new Uri(declaration + "/history"));
        Assert.Equal("pending", pending["transitions"]![0]!["anchor"]!["status"]!.GetValue<string>());
        using (var anonymous = new HttpClient())
        {
            // Still serving its API, so still ready: the chain's absence is a degraded dependency, said in words
            // that name neither the node's address nor an exception.
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(system.Customs.BaseAddress, "health/ready"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(system.Customs.BaseAddress, "health/live"))).StatusCode);
            using var dependencies = await anonymous.GetAsync(new Uri(system.Customs.BaseAddress, "health/dependencies"));
            var body = await dependencies.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, dependencies.StatusCode);
            var checks = System.Text.Json.Nodes.JsonNode.Parse(body)!;
            Assert.Equal("Degraded", checks["status"]!.GetValue<string>());
            Assert.Equal("Degraded", checks["checks"]!["chain"]!["status"]!.GetValue<string>());
            Assert.Equal("Healthy", checks["checks"]!["bus"]!["status"]!.GetValue<string>());
            var node = new Uri(system.Chain.RpcUrl);
            Assert.DoesNotContain($"{node.Host}:{node.Port}", body);
            Assert.DoesNotContain("Exception", body);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("Registered", (await Get(exporter, declaration))["status"]!.GetValue<string>()); // verification needs the chain: it waits, it does not reject

        await system.Chain.StartAgainAsync();

        var assessed = await PollStatus(exporter, declaration, "Assessed");
        var payment = new Uri(system.Payments.BaseAddress, $"duty-payments/{assessed["paymentReference"]}");
        await PollStatus(exporter, payment, "Requested");
        await SettleDuty(bank, system.Payments.BaseAddress, assessed["paymentReference"]!.GetValue<string>(), GoldenPath.ExporterParty);
        await PollStatus(exporter, declaration, "Released");
        var history = await Poll(exporter, new Uri(declaration + "/history"),
            h => h["transitions"]!.AsArray().All(t => t!["anchor"]!["rootOnChain"]?.GetValue<bool>() == true));
        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], history["transitions"]!.AsArray().Select(t => t!["toState"]!.GetValue<string>()));
        Assert.All(history["transitions"]!.AsArray(), t => Assert.True(t!["anchor"]!["proofValid"]!.GetValue<bool>()));
        Assert.Equal(0, await system.Broker.ErrorQueueDepthAsync());
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Nethereum.Web3.Accounts;
using TradeChain.Cli;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.Testing;
using static TradeChain.IntegrationTests.Infrastructure.Api;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using Xunit.Abstractions;

namespace TradeChain.IntegrationTests;

/// <summary>The three services as separate processes over a real RabbitMQ and a real anvil chain.</summary>
public sealed class EndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_export_trade_goes_from_documents_to_release_and_every_transition_checks_against_the_chain()
    {
        await using var bankSigner = new WatchedBankSigner();
        await using var system = await TradeChainSystem.StartAsync(bankSigner.Configure, bankSignerPort: bankSigner.Port);
        var log = new StringWriter();
        var result = await RunGoldenPath(system, log);
        output.WriteLine(log.ToString());
        output.WriteLine($"golden path took {result.Elapsed.TotalSeconds:0.00} s");

        // The duty was settled by the bank's own account, signed by the bank's signer: payments holds no bank key.
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        var payment = await Get(bank, new Uri(system.Payments.BaseAddress, $"duty-payments/{result.PaymentReference}"));
        await bankSigner.AssertSignedByTheBankAsync(system, GoldenPath.BankParty, payment["settlementTransactionHash"]!.GetValue<string>());

        using var verifier = new IndependentVerifier(system.Chain.RpcUrl);
        // The development chain takes as much gas in a block as the production chain's genesis (deploy/k8s): what one block
        // holds here — a bank's settlement batches in flight — it holds there (anvil's own default is 30,000,000).
        using (var genesis = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepoRoot, "deploy", "k8s", "base", "besu", "genesis.json"))))
            Assert.Equal(Convert.ToInt64(genesis.RootElement.GetProperty("gasLimit").GetString(), 16), await verifier.BlockGasLimitAsync());
        foreach (var root in result.DocumentRoots.Distinct())
            Assert.True(await verifier.IsIssuedAsync(system.Chain.Deployment.DocumentStoreAddress, "0x" + root), $"batch root {root} issued on chain");

        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], result.History.Select(t => t!["toState"]!.GetValue<string>()));
        Assert.Equal([1, 2, 3, 4], result.History.Select(t => t!["sequence"]!.GetValue<int>()));
        var customsAccount = new Account(DevelopmentAccounts.CustomsKey).Address;
        foreach (var t in result.History)
        {
            var anchor = t!["anchor"]!;
            var root = anchor["root"]!.GetValue<string>();
            var leaf = IndependentVerifier.Leaf(t);
            Assert.Equal(root, IndependentVerifier.FoldProof(leaf, anchor["proof"]!.AsArray().Select(p => p!.GetValue<string>())));

            var onChain = await verifier.AnchorOfAsync(system.Chain.Deployment.TransitionAnchorAddress, root);
            Assert.Equal(customsAccount, onChain.Submitter, ignoreCase: true);
            Assert.Equal(anchor["blockNumber"]!.GetValue<long>(), onChain.Block);
            Assert.Equal(anchor["batchSize"]!.GetValue<int>(), onChain.Count);

            var receipt = await verifier.ReceiptAsync(anchor["transactionHash"]!.GetValue<string>());
            Assert.True(receipt.Success);
            Assert.Contains(root, receipt.Topics);
        }
        Assert.Equal(0, await system.Broker.ErrorQueueDepthAsync());

        // Tamper with one transition in customs' own database: the history and an outside verifier both catch it.
        await using (var db = new SqliteConnection($"Data Source={system.DatabasePath("customs")}"))
        {
            await db.OpenAsync();
            var edit = db.CreateCommand();
            edit.CommandText = "UPDATE transitions SET Reason = 'documents verified; lane Green; duties 0.00 USD' WHERE AggregateId = $id AND Sequence = 2";
            edit.Parameters.AddWithValue("$id", result.DeclarationId.ToString());
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        var history = (await exporter.GetFromJsonAsync<JsonObject>(new Uri(system.Customs.BaseAddress, $"declarations/{result.DeclarationId}/history")))!;
        var tampered = history["transitions"]!.AsArray().Single(t => t!["sequence"]!.GetValue<int>() == 2)!;
        Assert.False(tampered["anchor"]!["proofValid"]!.GetValue<bool>());
        Assert.StartsWith("tampered", tampered["anchor"]!["verdict"]!.GetValue<string>());
        var root2 = tampered["anchor"]!["root"]!.GetValue<string>();
        Assert.NotEqual(root2, IndependentVerifier.FoldProof(IndependentVerifier.Leaf(tampered), tampered["anchor"]!["proof"]!.AsArray().Select(p => p!.GetValue<string>())));
    }

    [Fact]
    public async Task Every_endpoint_checks_role_and_party()
    {
        await using var system = await TradeChainSystem.StartAsync();
        var result = await new GoldenPath(system.Documents.BaseAddress, system.Customs.BaseAddress, system.Payments.BaseAddress, Auth, TextWriter.Null)
            .RunAsync(CancellationToken.None);
        var declaration = new Uri(system.Customs.BaseAddress, $"declarations/{result.DeclarationId}");

        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(declaration)).StatusCode);

        using var otherExporter = Client(Roles.Exporter, "EXP-SOMEONE-ELSE");
        Assert.Equal(HttpStatusCode.NotFound, (await otherExporter.GetAsync(declaration)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherExporter.GetAsync(new Uri(system.Documents.BaseAddress, $"documents/{result.DocumentIds[0]}"))).StatusCode);
        var theirList = await otherExporter.GetFromJsonAsync<JsonObject>(new Uri(system.Customs.BaseAddress, "declarations"));
        Assert.Equal(0, theirList!["total"]!.GetValue<int>());

        using var owner = Client(Roles.Exporter, GoldenPath.ExporterParty);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync(declaration)).StatusCode);
        // An exporter may not settle duties nor release goods.
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.PostAsJsonAsync(new Uri(system.Payments.BaseAddress, $"duty-payments/{result.PaymentReference}/settle"), new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.PostAsJsonAsync(new Uri(declaration, $"{result.DeclarationId}/release"), new { reason = "x" })).StatusCode);

        using var bank = Client(Roles.Bank, GoldenPath.BankParty);
        Assert.Equal(HttpStatusCode.NotFound, (await bank.GetAsync(declaration)).StatusCode);
        // Settling again is idempotent on the reference: the first settlement is returned, nothing moves twice.
        var again = await bank.PostAsJsonAsync(new Uri(system.Payments.BaseAddress, $"duty-payments/{result.PaymentReference}/settle"), new { });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True((await again.Content.ReadFromJsonAsync<JsonObject>())!["alreadySettled"]!.GetValue<bool>());

        // Bad input: a problem document naming each field and rule, never a 500.
        var bad = await owner.PostAsJsonAsync(new Uri(system.Customs.BaseAddress, "declarations"), new { type = "export", items = new[] { new { hsCode = "12" } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Contains("items[0].hsCode", errors.Select(e => e.Key));
        Assert.Contains("documents", errors.Select(e => e.Key));
        var garbage = await owner.PostAsync(new Uri(system.Customs.BaseAddress, "declarations"), new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
    }

    [Fact]
    public async Task A_service_killed_after_accepting_a_declaration_but_before_publishing_loses_nothing()
    {
        // Customs accepts but publishes nothing: the same state a crash between commit and publish leaves behind.
        await using var system = await TradeChainSystem.StartAsync((name, service) =>
        {
            if (name == "customs") service.SetSetting("Outbox:DispatchEnabled", "false");
        });
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);

        var certificate = await Post(exporter, new Uri(system.Documents.BaseAddress, "documents"), new
        {
            type = "certificate-of-origin",
            content = Api.CertificateOfOrigin("CO-1"),
        });
        var invoice = await Post(exporter, new Uri(system.Documents.BaseAddress, "documents"), new
        {
            type = "commercial-invoice",
            content = Api.Invoice("INV-1", "5000.00"),
        });
        var hashes = new List<string>();
        foreach (var submitted in new[] { certificate, invoice })
        {
            var issued = await Poll(exporter, new Uri(system.Documents.BaseAddress, $"documents/{submitted["id"]}"), d => d["status"]!.GetValue<string>() == "Issued");
            hashes.Add(issued["hash"]!.GetValue<string>());
        }
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration("LRN-CRASH-1", hashes[0], hashes[1], 5_000m));
        var id = lodged["id"]!.GetValue<string>();
        Assert.Equal(1, await Count(system.DatabasePath("customs"), "SELECT COUNT(*) FROM outbox WHERE SentAtUnixMs IS NULL"));

        await system.Customs.KillAsync();
        system.Customs.SetSetting("Outbox:DispatchEnabled", "true");
        await system.Customs.StartAsync();

        var assessed = await Poll(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{id}"), d => d["status"]!.GetValue<string>() == "Assessed");
        var reference = assessed["paymentReference"]!.GetValue<string>();
        await Poll(exporter, new Uri(system.Payments.BaseAddress, $"duty-payments/{reference}"), _ => true);
        await SettleDuty(bank, system.Payments.BaseAddress, reference, GoldenPath.ExporterParty);
        await Poll(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{id}"), d => d["status"]!.GetValue<string>() == "Released");

        var history = await Poll(exporter, new Uri(system.Customs.BaseAddress, $"declarations/{id}/history"),
            h => h["transitions"]!.AsArray().All(t => t!["anchor"]!["rootOnChain"]?.GetValue<bool>() == true));
        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], history["transitions"]!.AsArray().Select(t => t!["toState"]!.GetValue<string>()));
        Assert.Equal(4, await Count(system.DatabasePath("customs"), $"SELECT COUNT(*) FROM transitions WHERE AggregateId = '{id}'"));
        Assert.Equal(1, await Count(system.DatabasePath("payments"), "SELECT COUNT(*) FROM duty_payments"));
        // The release's own message may still be on its way out: every outbox row is sent within the wait.
        var unsent = await Count(system.DatabasePath("customs"), "SELECT COUNT(*) FROM outbox WHERE SentAtUnixMs IS NULL");
        for (var deadline = DateTime.UtcNow.AddSeconds(30); unsent > 0 && DateTime.UtcNow < deadline; await Task.Delay(250))
            unsent = await Count(system.DatabasePath("customs"), "SELECT COUNT(*) FROM outbox WHERE SentAtUnixMs IS NULL");
        Assert.Equal(0, unsent);
    }
}

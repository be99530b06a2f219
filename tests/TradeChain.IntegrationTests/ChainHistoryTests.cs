using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json.Nodes;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;
using Xunit.Abstractions;
using static TradeChain.IntegrationTests.Infrastructure.Api;
using Token = TradeChain.Ledger.Contracts.SettlementToken;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The services on a chain longer than the node lets one <c>eth_getLogs</c> cover, as on Besu: every service talks to
/// anvil through <see cref="LogRangeLimitedRpc"/>, which refuses wider log ranges with Besu's error. Besu's default limit
/// is 5,000 blocks (about 2.8 hours of 2-second blocks); here it is 1,000 — the services' default step
/// (<c>Chain:MaxLogBlockRange</c>) just fits — so the chain outgrows it with blocks anvil mines in seconds. Title
/// endpoints, the recovery of a minted-but-unconfirmed issuance and reconciliation's payments must work, and no
/// over-range request may be made.
/// </summary>
public sealed class ChainHistoryTests(ITestOutputHelper output)
{
    /// <summary>The node's log-range limit in this test (Besu's --rpc-max-logs-range).</summary>
    private const long NodeLimit = 1_000;

    [Fact]
    public async Task Titles_issuance_recovery_and_reconciliation_work_on_a_chain_longer_than_the_nodes_log_range_and_never_ask_for_more()
    {
        var anvilPort = TestEnvironment.FreePort();
        await using var rpc = new LogRangeLimitedRpc($"http://127.0.0.1:{anvilPort}", NodeLimit);
        await using var system = await TradeChainSystem.StartAsync((_, process) => process.SetSetting("Chain:RpcUrl", rpc.Url), anvilPort: anvilPort);
        // More than two of the node's ranges of empty blocks: "from the first block to the latest" is refused from now on.
        await MineAsync(system.Chain.RpcUrl, 2 * NodeLimit + 200);
        Uri Documents(string path) => new(system.Documents.BaseAddress, path);
        Uri Payments(string path) => new(system.Payments.BaseAddress, path);

        try
        {
            // ---- a bill of lading's title: read, moved, listed ----
            using var shipper = Client(Roles.Exporter, "SHIPPER-LONG");
            using var importer = Client(Roles.Exporter, "IMP-LONG");
            var bill = await Post(shipper, Documents("documents"), new
            {
                type = "bill-of-lading",
                content = new
                {
                    billOfLadingNumber = "MAEU-LONG-1", carrier = new { name = "Maersk A/S" }, shipper = new { name = "ACME Coffee JSC" }, consignee = new { name = "TO ORDER" },
                    portOfLoading = "VNSGN", portOfDischarge = "DEHAM", vessel = "MAERSK SELETAR", shippedOnBoardDate = "2026-11-20",
                },
            });
            var id = bill["id"]!.GetValue<string>();
            var issued = await PollStatus(shipper, Documents($"documents/{id}"), "Issued");
            var title = Documents($"documents/{id}/title/");
            var (status, state) = await Send(shipper, HttpMethod.Get, title);
            Assert.True(status == HttpStatusCode.OK, $"GET title: {(int)status} {state}");
            Assert.Equal("active", state!["state"]!.GetValue<string>());
            Assert.Equal(["issued"], Actions(state));

            var endorsed = await Post(shipper, new Uri(title, "endorse"), new { to = "IMP-LONG" });
            Assert.Equal(["issued", "beneficiary-endorsed"], Actions(endorsed)); // the step just taken is in the chain it returns
            var handed = await Post(shipper, new Uri(title, "transfer-holder"), new { to = "IMP-LONG" });
            Assert.Equal(["issued", "beneficiary-endorsed", "holder-transferred"], Actions(handed));
            Assert.Equal("IMP-LONG", handed["holder"]!["party"]!.GetValue<string>());
            var listed = await Get(importer, Documents("documents/titles?pageSize=200"));
            Assert.Contains(listed["items"]!.AsArray(), t => t!["documentId"]!.GetValue<string>() == id);
            Assert.Equal(["issued", "beneficiary-endorsed", "holder-transferred"], Actions(await Get(importer, title)));

            // ---- issuance: the service crashed after minting a title and before recording it ----
            await system.Documents.KillAsync();
            var batches = await ExecuteAsync(system.DatabasePath("documents"),
                $"UPDATE issuance_batches SET Confirmed = 0 WHERE MerkleRoot = '{issued["merkleRoot"]!.GetValue<string>()}'");
            Assert.Equal(1, batches);
            await system.Documents.StartAsync();
            // The unconfirmed batch goes first: mint is refused (the title exists), its TitleIssued event says where it was minted.
            // Only then is anything else issued — so a document submitted now is issued only if that recovery worked.
            var next = await IssueInvoice(shipper, system.Documents.BaseAddress, "INV-LONG-1");
            Assert.StartsWith("0x", next);
            Assert.Equal(0L, await Count(system.DatabasePath("documents"), "SELECT COUNT(*) FROM issuance_batches WHERE Confirmed = 0"));
            Assert.Equal(1L, await Count(system.DatabasePath("documents"),
                $"SELECT COUNT(*) FROM issuance_batches WHERE TransactionHash = '{issued["issueTransactionHash"]!.GetValue<string>()}' AND BlockNumber = {issued["issuedInBlock"]!.GetValue<long>()}"));

            // ---- reconciliation: the ledger against the accounts' Payment events ----
            using var customer = Client(Roles.Exporter, "EXP-LONG");
            using var bank = Client(Roles.Bank, "BNK-VCB");
            await Post(customer, Payments("accounts/mandates"), new { bank = "BNK-VCB", currency = "USD" });
            var account = await Post(bank, Payments("accounts"), new { party = "EXP-LONG", currency = "USD" });
            await Post(bank, Payments("accounts/EXP-LONG/USD/deposits"), new { amount = 250.00m, reference = "DEP-LONG-1" });
            var agreed = await Get(bank, Payments("reconciliation"));
            output.WriteLine(agreed.ToJsonString());
            Assert.True(agreed["inAgreement"]!.GetValue<bool>(), agreed.ToJsonString());
            Assert.Empty(agreed["unmatchedPayments"]!.AsArray());

            // The bank credits the customer on chain behind the service's back: the reconciliation names the transaction.
            var web3 = new Web3(new Account(DevelopmentBankKeys.KeyOf("BNK-VCB"), DevelopmentAccounts.ChainId), system.Chain.RpcUrl);
            var behind = await web3.Eth.GetContractTransactionHandler<Token.MintFunction>().SendRequestAndWaitForReceiptAsync(
                system.Chain.Deployment.Settlement["USD"].Token,
                new Token.MintFunction { To = account["address"]!.GetValue<string>(), Amount = new BigInteger(1_00), PaymentReference = SettlementClient.Reference("behind-the-ledger") });
            var report = await Get(bank, Payments("reconciliation"));
            output.WriteLine(report.ToJsonString());
            Assert.False(report["inAgreement"]!.GetValue<bool>());
            var line = Assert.Single(report["unmatchedPayments"]!.AsArray())!;
            Assert.Equal(behind.TransactionHash, line["transactionHash"]!.GetValue<string>(), ignoreCase: true);
            Assert.Equal(1.00m, line["chain"]!.GetValue<decimal>());
            Assert.Equal(0m, line["ledger"]!.GetValue<decimal>());
            Assert.Contains(report["differences"]!.AsArray(), d => d!.GetValue<string>().Contains("which the ledger does not book", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e}\n{system.Diagnostics}");
        }
        finally
        {
            output.WriteLine($"eth_getLogs ranges asked: {rpc.Ranges.Count}, widest {(rpc.Ranges.Count == 0 ? 0 : rpc.Ranges.Max(r => r.To - r.From + 1))} blocks; refused: {rpc.Refused.Count}");
        }

        Assert.NotEmpty(rpc.Ranges);
        Assert.Empty(rpc.Refused);
    }

    private static List<string> Actions(JsonNode title) =>
        title["endorsementChain"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()).ToList();

    /// <summary>Mines <paramref name="blocks"/> empty blocks (anvil_mine, a few hundred per call: anvil slows down on big ones).</summary>
    internal static async Task MineAsync(string rpc, long blocks)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        for (var left = blocks; left > 0; left -= 250)
        {
            using var response = await http.PostAsJsonAsync(rpc, new { jsonrpc = "2.0", id = 1, method = "anvil_mine", @params = new object[] { $"0x{Math.Min(250, left):x}" } });
            var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
            Assert.True(answer?["error"] is null, answer?.ToJsonString());
        }
    }

    private static async Task<int> ExecuteAsync(string database, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;

namespace TradeChain.Bench;

public sealed record ServiceUsage(string Service, double CpuSeconds, double PeakMegabytes);

public sealed record EndToEndResult(
    int BatchSize,
    int Declarations,
    double WallSeconds,
    double DeclarationsPerSecond,
    int Transitions,
    double TransitionsAnchoredPerSecond,
    double ReleaseP50Ms, double ReleaseP95Ms, double ReleaseP99Ms,
    double AnchorP50Ms, double AnchorP95Ms, double AnchorP99Ms,
    int AnchoringTransactions,
    double GasPerTransition,
    double MeanBatchSize,
    int VerifiedTransitions,
    IReadOnlyList<string> VerificationFailures,
    IReadOnlyList<ServiceUsage> Usage);

/// <summary>
/// Drives declarations concurrently through the golden path on the real system (three service processes,
/// RabbitMQ, anvil) with one anchoring configuration, then reads every transition from the services' databases,
/// checks each against the chain like an outside verifier, and measures throughput, latency and gas.
/// </summary>
public sealed class EndToEndRun(BenchOptions options, int batchSize, TextWriter log)
{
    private static readonly AuthOptions Auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMinutes(3);

    private static HttpClient Client(string role, string party) => TradeChainHttp.Client(Auth, role, party, "bench", TimeSpan.FromSeconds(60));

    private static Task<JsonObject> Post(HttpClient client, Uri uri, object body) => TradeChainHttp.PostAsync(client, uri, body);

    private static Task<JsonObject> Poll(HttpClient client, Uri uri, Func<JsonObject, bool> done) => TradeChainHttp.PollAsync(client, uri, done, PollTimeout);
    private static readonly string[] Services = ["customs", "documents", "payments"];

    public async Task<EndToEndResult> RunAsync()
    {
        await using var system = await TradeChainSystem.StartAsync((_, service) =>
        {
            service.SetSetting("Anchoring:MaxBatchSize", batchSize.ToString());
            service.SetSetting("Anchoring:MaxWaitMs", batchSize == 1 ? "0" : "250");
            service.SetSetting("Logging:LogLevel:Default", "Warning");
        });
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty);

        log.WriteLine($"  batch size {batchSize}: {options.Declarations} declarations, {options.Concurrency} at a time");
        var gate = new SemaphoreSlim(options.Concurrency);
        var clock = Stopwatch.StartNew();
        var latencies = await Task.WhenAll(Enumerable.Range(0, options.Declarations).Select(async i =>
        {
            await gate.WaitAsync();
            try { return await DeclarationAsync(system, exporter, bank, $"BENCH-{batchSize}-{i}-{Guid.NewGuid().ToString("N")[..6]}"); }
            finally { gate.Release(); }
        }));
        var wall = clock.Elapsed.TotalSeconds;

        await WaitForAnchoringAsync(system);
        var usage = new[] { system.Customs, system.Documents, system.Payments }
            .Select(s => s.Usage() is { } u ? new ServiceUsage(s.Name, u.Cpu.TotalSeconds, u.PeakBytes / 1024.0 / 1024.0) : new ServiceUsage(s.Name, 0, 0)).ToList();
        var transitions = Services.SelectMany(s => ReadTransitions(system.DatabasePath(s))).ToList();

        using var verifier = new IndependentVerifier(system.Chain.RpcUrl);
        var failures = await VerifyAsync(system, verifier, transitions);

        var gas = 0L;
        var transactions = transitions.Select(t => t["anchor"]!["transactionHash"]!.GetValue<string>()).Distinct().ToList();
        foreach (var tx in transactions) gas += await verifier.GasUsedAsync(tx);

        var lags = transitions.Select(t => (double)(t["anchoredAtUnixMs"]!.GetValue<long>() - t["occurredAtUnixMs"]!.GetValue<long>())).ToList();
        var first = transitions.Min(t => t["occurredAtUnixMs"]!.GetValue<long>());
        var last = transitions.Max(t => t["anchoredAtUnixMs"]!.GetValue<long>());
        return new EndToEndResult(batchSize, options.Declarations, wall, options.Declarations / wall, transitions.Count,
            transitions.Count / Math.Max(0.001, (last - first) / 1000.0),
            Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 95), Stats.Percentile(latencies, 99),
            Stats.Percentile(lags, 50), Stats.Percentile(lags, 95), Stats.Percentile(lags, 99),
            transactions.Count, (double)gas / transitions.Count, (double)transitions.Count / transactions.Count,
            transitions.Count - failures.Count, failures, usage);
    }

    /// <summary>Each anchored transition checked like an outside verifier would: leaf rebuilt from its fields, proof folded, root read from the chain.</summary>
    internal static async Task<List<string>> VerifyAsync(TradeChainSystem system, IndependentVerifier verifier, IEnumerable<JsonObject> transitions)
    {
        var failures = new List<string>();
        var roots = new Dictionary<string, bool>();
        foreach (var t in transitions)
        {
            var root = t["anchor"]!["root"]!.GetValue<string>();
            var folded = IndependentVerifier.FoldProof(IndependentVerifier.Leaf(t), t["anchor"]!["proof"]!.AsArray().Select(p => p!.GetValue<string>()));
            if (!roots.TryGetValue(root, out var anchored))
                roots[root] = anchored = (await verifier.AnchorOfAsync(system.Chain.Deployment.TransitionAnchorAddress, root)).Block > 0;
            if (folded != root || !anchored) failures.Add($"{t["service"]} {t["aggregateType"]} {t["aggregateId"]} #{t["sequence"]}");
        }
        return failures;
    }

    private static async Task<double> DeclarationAsync(TradeChainSystem system, HttpClient exporter, HttpClient bank, string lrn)
    {
        var clock = Stopwatch.StartNew();
        var documents = system.Documents.BaseAddress;
        var submitted = await Task.WhenAll(
            Post(exporter, new Uri(documents, "documents"), new
            {
                type = "certificate-of-origin",
                content = new { certificateNumber = $"CO-{lrn}", exporter = new { name = "ACME Rubber Export JSC", country = "VN" }, consignee = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, originCountry = "VN", goodsDescription = "natural rubber SVR 10" },
            }),
            Post(exporter, new Uri(documents, "documents"), new
            {
                type = "commercial-invoice",
                content = new { invoiceNumber = $"INV-{lrn}", seller = new { name = "ACME Rubber Export JSC", country = "VN" }, buyer = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, totalAmount = "48000.00", currency = "USD" },
            }));
        var hashes = await Task.WhenAll(submitted.Select(async s =>
            (await Poll(exporter, new Uri(documents, $"documents/{s["id"]}"), d => d["status"]?.GetValue<string>() == "Issued"))["hash"]!.GetValue<string>()));
        var lodged = await Post(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration(lrn, hashes[0], hashes[1]));
        var declaration = new Uri(system.Customs.BaseAddress, $"declarations/{lodged["id"]}");
        var assessed = await Poll(exporter, declaration, d => d["status"]?.GetValue<string>() is "Assessed" or "Rejected");
        if (assessed["status"]!.GetValue<string>() != "Assessed") throw new InvalidOperationException($"{lrn} rejected: {assessed["statusReason"]}");
        var payment = new Uri(system.Payments.BaseAddress, $"duty-payments/{assessed["paymentReference"]}");
        await Poll(exporter, payment, _ => true);
        using var treasury = Client(Roles.Bank, GoldenPath.TreasuryBankParty);
        await GoldenPath.FundAndSettleAsync(exporter, bank, GoldenPath.BankParty, treasury, system.Payments.BaseAddress, assessed["paymentReference"]!.GetValue<string>(), TimeSpan.FromSeconds(90));
        await Poll(exporter, declaration, d => d["status"]?.GetValue<string>() == "Released");
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task WaitForAnchoringAsync(TradeChainSystem system)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromMinutes(5); await Task.Delay(100))
        {
            long pending = 0;
            foreach (var service in Services) pending += await TradeChainSystem.CountAsync(system.DatabasePath(service), "SELECT COUNT(*) FROM transitions WHERE BatchRoot IS NULL");
            if (pending == 0) return;
        }
        throw new TimeoutException("transitions still pending anchoring after 5 minutes");
    }

    /// <summary>Each transition as the history API shows it, read straight from a service's database.</summary>
    internal static List<JsonObject> ReadTransitions(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT Service, AggregateType, AggregateId, Sequence, FromState, ToState, Actor, Reason, ResponseCode, OccurredAtUnixMs, " +
                              "BatchRoot, Proof, TransactionHash, AnchoredAtUnixMs FROM transitions WHERE BatchRoot IS NOT NULL";
        using var reader = command.ExecuteReader();
        var rows = new List<JsonObject>();
        while (reader.Read())
        {
            rows.Add(new JsonObject
            {
                ["service"] = reader.GetString(0), ["aggregateType"] = reader.GetString(1), ["aggregateId"] = reader.GetString(2),
                ["sequence"] = reader.GetInt32(3), ["fromState"] = reader.GetString(4), ["toState"] = reader.GetString(5), ["actor"] = reader.GetString(6),
                ["reason"] = reader.GetString(7), ["responseCode"] = reader.IsDBNull(8) ? null : reader.GetString(8), ["occurredAtUnixMs"] = reader.GetInt64(9),
                ["anchor"] = new JsonObject { ["root"] = reader.GetString(10), ["proof"] = JsonNode.Parse(reader.GetString(11)), ["transactionHash"] = reader.GetString(12) },
                ["anchoredAtUnixMs"] = reader.GetInt64(13),
            });
        }
        return rows;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;

namespace TradeChain.Bench;

/// <summary>One fault injected during the run: what, when (seconds after the load began), and how long the outage lasted.</summary>
public sealed record InjectedFault(string Fault, double AtSeconds, double OutageSeconds);

/// <summary>What a fault run found afterwards. Every count except the totals should be zero.</summary>
public sealed record FaultReport(
    int Declarations, double WallSeconds, IReadOnlyList<InjectedFault> Faults,
    int Lodged, int Released, int DriverFailures,
    int DeclarationsLost, int DeclarationsDuplicated, int DeclarationsStuck,
    int Documents, int DocumentsLost, int DocumentsStuck, int DocumentsDuplicated,
    int PaymentsSettled, int PaymentsMissing, int PaymentsDuplicated, int PaymentsStuck,
    int Transitions, int TransitionsPendingAnchoring, int TransitionsFailingVerification,
    int OutboxUnsent, int ErrorQueueMessages, IReadOnlyList<string> LedgerAgainstChain,
    IReadOnlyList<string> Examples)
{
    public bool Clean => DeclarationsLost + DeclarationsDuplicated + DeclarationsStuck + DocumentsLost + DocumentsStuck + DocumentsDuplicated +
        PaymentsMissing + PaymentsDuplicated + PaymentsStuck + TransitionsPendingAnchoring + TransitionsFailingVerification + OutboxUnsent +
        ErrorQueueMessages + LedgerAgainstChain.Count == 0;
}

/// <summary>
/// The fault run (bench/run.sh --faults; not part of CI): a sustained load of declarations through the golden path while,
/// in turn, each service is killed with SIGKILL and started again, RabbitMQ (the system's own node) is killed with SIGKILL and
/// started again, and the chain stalls (anvil frozen with SIGSTOP) for 60 s. The clients behave as real ones do: they retry
/// a call that failed for want of an answer, idempotently. Afterwards, once the system is quiet, it counts from the services'
/// databases, the broker and the chain what was lost, duplicated or left stuck.
/// </summary>
public sealed class FaultRun(BenchOptions options, TextWriter log)
{
    private static readonly AuthOptions Auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);
    private static readonly string[] Services = ["customs", "documents", "payments"];
    private static readonly string[] Terminal = ["Released", "Rejected", "Cancelled", "Exited"];

    private readonly ConcurrentDictionary<string, string> _lodged = new(); // LRN → declaration id
    private readonly ConcurrentBag<string> _documents = new(); // ids the documents service accepted
    private readonly ConcurrentBag<string> _failures = new();
    private int _released;

    public async Task<FaultReport> RunAsync()
    {
        await using var system = await TradeChainSystem.StartAsync((_, service) =>
        {
            service.SetSetting("Anchoring:MaxBatchSize", "256");
            service.SetSetting("Anchoring:MaxWaitMs", "250");
            service.SetSetting("Logging:LogLevel:Default", "Warning");
        }, ownBroker: true);
        using var exporter = TradeChainHttp.Client(Auth, Roles.Exporter, GoldenPath.ExporterParty, "bench", TimeSpan.FromSeconds(30));
        using var bank = TradeChainHttp.Client(Auth, Roles.Bank, GoldenPath.BankParty, "bench", TimeSpan.FromSeconds(30));
        using var treasury = TradeChainHttp.Client(Auth, Roles.Bank, GoldenPath.TreasuryBankParty, "bench", TimeSpan.FromSeconds(30));

        log.WriteLine($"  fault run: {options.Declarations} declarations, {options.Concurrency} at a time; a fault every {options.FaultGapSeconds} s");
        var clock = Stopwatch.StartNew();
        using var loadDone = new CancellationTokenSource();
        var faults = InjectFaultsAsync(system, clock, loadDone.Token);
        var gate = new SemaphoreSlim(options.Concurrency);
        await Task.WhenAll(Enumerable.Range(0, options.Declarations).Select(async i =>
        {
            await gate.WaitAsync();
            try { await DeclarationAsync(system, exporter, bank, treasury, $"FAULT-{i}-{Guid.NewGuid().ToString("N")[..6]}"); }
            catch (Exception e) { _failures.Add(e.Message); }
            finally { gate.Release(); }
        }));
        var wall = clock.Elapsed.TotalSeconds;
        await loadDone.CancelAsync();
        var injected = await faults;
        log.WriteLine($"  load done after {wall:0} s ({_released} released, {_failures.Count} declarations the driver gave up on); waiting for the system to settle");
        await SettleAsync(system);
        return await CountAsync(system, wall, injected, [bank, treasury]);
    }

    /// <summary>Round after round until the load is done: kill and restart each service, kill and restart RabbitMQ, stall the chain 60 s.</summary>
    private async Task<List<InjectedFault>> InjectFaultsAsync(TradeChainSystem system, Stopwatch clock, CancellationToken loadDone)
    {
        var injected = new List<InjectedFault>();
        Func<Task>[] faults =
        [
            () => Restart(system.Customs), () => Restart(system.Documents), () => Restart(system.Payments),
            async () => { await system.OwnBroker!.KillAsync(); await Task.Delay(TimeSpan.FromSeconds(5)); await system.OwnBroker.StartAgainAsync(); },
            () => system.Chain.StallAsync(TimeSpan.FromSeconds(60)),
        ];
        string[] names = ["kill -9 customs", "kill -9 documents", "kill -9 payments", "kill -9 RabbitMQ", "chain stalled 60 s"];
        for (var i = 0; ; i++)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(options.FaultGapSeconds), loadDone); }
            catch (OperationCanceledException) { break; }
            var at = clock.Elapsed.TotalSeconds;
            var name = names[i % names.Length];
            log.WriteLine($"  {at,6:0} s  {name}");
            await faults[i % faults.Length]();
            injected.Add(new InjectedFault(name, at, clock.Elapsed.TotalSeconds - at));
        }
        return injected;

        static async Task Restart(ServiceProcess service)
        {
            await service.KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await service.StartAsync();
        }
    }

    private async Task DeclarationAsync(TradeChainSystem system, HttpClient exporter, HttpClient bank, HttpClient treasury, string lrn)
    {
        var documents = system.Documents.BaseAddress;
        var submitted = await Task.WhenAll(
            Retry(() => TradeChainHttp.PostAsync(exporter, new Uri(documents, "documents"), new
            {
                type = "certificate-of-origin",
                content = new { certificateNumber = $"CO-{lrn}", exporter = new { name = "ACME Rubber Export JSC", country = "VN" }, consignee = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, originCountry = "VN", goodsDescription = "natural rubber SVR 10" },
            })),
            Retry(() => TradeChainHttp.PostAsync(exporter, new Uri(documents, "documents"), new
            {
                type = "commercial-invoice",
                content = new { invoiceNumber = $"INV-{lrn}", seller = new { name = "ACME Rubber Export JSC", country = "VN" }, buyer = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, totalAmount = "48000.00", currency = "USD" },
            })));
        foreach (var s in submitted) _documents.Add(s["id"]!.GetValue<string>());
        var hashes = await Task.WhenAll(submitted.Select(async s =>
            (await Poll(exporter, new Uri(documents, $"documents/{s["id"]}"), d => d["status"]?.GetValue<string>() == "Issued"))["hash"]!.GetValue<string>()));

        // A lodgement whose answer was lost is found again by its local reference number (unique per declarant).
        var id = await Retry(async () =>
        {
            try { return (await TradeChainHttp.PostAsync(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration(lrn, hashes[0], hashes[1])))["id"]!.GetValue<string>(); }
            catch (ApiCallException e) when (e.Message.Contains(" answered 409", StringComparison.Ordinal) && DeclarationIdOf(system, lrn) is { } existing) { return existing; }
        });
        _lodged[lrn] = id;
        var declaration = new Uri(system.Customs.BaseAddress, $"declarations/{id}");
        var assessed = await Poll(exporter, declaration, d => d["status"]?.GetValue<string>() is "Assessed" or "Rejected");
        if (assessed["status"]!.GetValue<string>() != "Assessed") throw new InvalidOperationException($"{lrn} rejected: {assessed["statusReason"]}");
        var reference = assessed["paymentReference"]!.GetValue<string>();
        await Retry(() => GoldenPath.FundAndSettleAsync(exporter, bank, GoldenPath.BankParty, treasury, system.Payments.BaseAddress, reference, TimeSpan.FromSeconds(90)));
        await Poll(exporter, declaration, d => d["status"]?.GetValue<string>() == "Released");
        Interlocked.Increment(ref _released);
    }

    /// <summary>A call retried, as a real client would, while the service is away or answers 5xx; every call retried here is idempotent.</summary>
    private static async Task<T> Retry<T>(Func<Task<T>> call)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var clock = Stopwatch.StartNew(); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try { return await call(); }
            catch (Exception e) when (Transient(e) && clock.Elapsed < Patience) { await Task.Delay(delay); }
        }
    }

    private static bool Transient(Exception e) => e switch
    {
        HttpRequestException or TaskCanceledException or IOException => true,
        ApiCallException a => a.Message.Contains(" answered 5", StringComparison.Ordinal) || a.Message.Contains("timed out", StringComparison.Ordinal),
        _ => false,
    };

    private static Task<JsonObject> Poll(HttpClient client, Uri uri, Func<JsonObject, bool> done) =>
        Retry(() => TradeChainHttp.PollAsync(client, uri, done, TimeSpan.FromMinutes(3)));

    private static string? DeclarationIdOf(TradeChainSystem system, string lrn)
    {
        using var connection = new SqliteConnection($"Data Source={system.DatabasePath("customs")};Mode=ReadOnly");
        connection.Open();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM declarations WHERE LocalReferenceNumber = $lrn";
        command.Parameters.AddWithValue("$lrn", lrn);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Waits (at most 10 minutes) until nothing is pending: no transition waits for anchoring and no outbox row is unsent.</summary>
    private static async Task SettleAsync(TradeChainSystem system)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromMinutes(10); await Task.Delay(500))
        {
            long pending = 0;
            foreach (var service in Services)
            {
                pending += await TradeChainSystem.CountAsync(system.DatabasePath(service), "SELECT COUNT(*) FROM transitions WHERE BatchRoot IS NULL");
                pending += await TradeChainSystem.CountAsync(system.DatabasePath(service), "SELECT COUNT(*) FROM outbox WHERE SentAtUnixMs IS NULL");
            }
            if (pending == 0) return;
        }
    }

    private async Task<FaultReport> CountAsync(TradeChainSystem system, double wall, IReadOnlyList<InjectedFault> faults, HttpClient[] banks)
    {
        var examples = new List<string>();
        void Example(string what) { if (examples.Count < 12) examples.Add(what); }

        var declarations = Rows(system, "customs", "SELECT LocalReferenceNumber, Id, Status, PaymentReference FROM declarations");
        var byLrn = declarations.GroupBy(d => d[0]).ToDictionary(g => g.Key!, g => g.ToList());
        var lost = _lodged.Keys.Where(lrn => !byLrn.ContainsKey(lrn)).ToList();
        lost.ForEach(l => Example($"declaration {l} accepted but not stored"));
        var duplicated = byLrn.Values.Count(rows => rows.Count > 1);
        var stuck = declarations.Where(d => !Terminal.Contains(d[2])).ToList();
        stuck.ForEach(d => Example($"declaration {d[0]} stuck in {d[2]}"));

        var documents = Rows(system, "documents", "SELECT Id, Status, Hash FROM documents").ToDictionary(d => d[0]!.ToLowerInvariant());
        var documentsLost = _documents.Count(id => !documents.ContainsKey(id.ToLowerInvariant()));
        var documentsStuck = documents.Values.Count(d => d[1] != "Issued");
        var documentsDuplicated = documents.Values.Where(d => d[2] is not null).GroupBy(d => d[2]).Count(g => g.Count() > 1);

        var payments = Rows(system, "payments", "SELECT Reference, DeclarationId, Status, SettlementTransactionHash FROM duty_payments");
        var settled = payments.Where(p => p[2] == "Settled").ToList();
        var released = declarations.Where(d => d[2] == "Released").ToList();
        var settledByReference = settled.ToLookup(p => p[0]);
        var missing = released.Where(d => d[3] is null || !settledByReference.Contains(d[3])).ToList();
        missing.ForEach(d => Example($"declaration {d[0]} released without a settled payment {d[3]}"));
        var paymentsDuplicated = settled.GroupBy(p => p[1]).Count(g => g.Count() > 1);
        var paymentsStuck = payments.Count(p => p[2] is not ("Settled" or "Withdrawn"));

        var transitions = Services.Sum(s => (int)Scalar(system, s, "SELECT COUNT(*) FROM transitions"));
        var pending = Services.Sum(s => (int)Scalar(system, s, "SELECT COUNT(*) FROM transitions WHERE BatchRoot IS NULL"));
        var unsent = Services.Sum(s => (int)Scalar(system, s, "SELECT COUNT(*) FROM outbox WHERE SentAtUnixMs IS NULL"));
        using var verifier = new IndependentVerifier(system.Chain.RpcUrl);
        var failing = await EndToEndRun.VerifyAsync(system, verifier, Services.SelectMany(s => EndToEndRun.ReadTransitions(system.DatabasePath(s))));
        failing.Take(3).ToList().ForEach(f => Example($"transition does not verify: {f}"));

        var errorQueue = await system.Broker.ErrorQueueDepthAsync();
        // The ledger against the chain: every account's booked balance against its token balance (the payments service's own check).
        var differences = new List<string>();
        foreach (var bank in banks)
            differences.AddRange((await TradeChainHttp.GetAsync(bank, new Uri(system.Payments.BaseAddress, "reconciliation")))["differences"]!.AsArray().Select(d => d!.GetValue<string>()));

        return new FaultReport(options.Declarations, wall, faults, _lodged.Count, _released, _failures.Count,
            lost.Count, duplicated, stuck.Count, documents.Count, documentsLost, documentsStuck, documentsDuplicated,
            settled.Count, missing.Count, paymentsDuplicated, paymentsStuck, transitions, pending, failing.Count, unsent, errorQueue, differences,
            [.. examples, .. _failures.Distinct().Take(5).Select(f => "driver gave up: " + f)]);
    }

    private static List<string?[]> Rows(TradeChainSystem system, string service, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={system.DatabasePath(service)};Mode=ReadOnly");
        connection.Open();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string?[]>();
        while (reader.Read())
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).ToArray());
        return rows;
    }

    private static long Scalar(TradeChainSystem system, string service, string sql) => TradeChainSystem.CountAsync(system.DatabasePath(service), sql).GetAwaiter().GetResult();

    public static void Print(FaultReport r, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine($"Fault run: {r.Declarations} declarations in {r.WallSeconds:0} s under {r.Faults.Count} faults " +
                    $"({string.Join(", ", r.Faults.GroupBy(f => f.Fault).Select(g => $"{g.Key} ×{g.Count()}"))})");
        o.WriteLine("| work | total | lost | duplicated | stuck |");
        o.WriteLine("|---|---|---|---|---|");
        o.WriteLine($"| declarations (lodged / released) | {r.Lodged} / {r.Released} | {r.DeclarationsLost} | {r.DeclarationsDuplicated} | {r.DeclarationsStuck} |");
        o.WriteLine($"| documents | {r.Documents} | {r.DocumentsLost} | {r.DocumentsDuplicated} | {r.DocumentsStuck} |");
        o.WriteLine($"| duty payments settled | {r.PaymentsSettled} | {r.PaymentsMissing} | {r.PaymentsDuplicated} | {r.PaymentsStuck} |");
        o.WriteLine($"| transitions (pending anchoring / failing verification) | {r.Transitions} | – | – | {r.TransitionsPendingAnchoring} / {r.TransitionsFailingVerification} |");
        o.WriteLine($"| outbox rows unsent | – | – | – | {r.OutboxUnsent} |");
        o.WriteLine($"| error-queue messages | – | – | – | {r.ErrorQueueMessages} |");
        o.WriteLine($"| ledger against chain (reconciliation differences) | – | {r.LedgerAgainstChain.Count} | – | – |");
        if (r.DriverFailures > 0) o.WriteLine($"The driver gave up on {r.DriverFailures} declarations (after retrying for 10 minutes).");
        foreach (var line in r.LedgerAgainstChain.Take(5)) o.WriteLine("  difference: " + line);
        foreach (var line in r.Examples) o.WriteLine("  " + line);
        o.WriteLine();
        o.WriteLine(r.Clean ? "Nothing lost, nothing duplicated, nothing stuck." : "FAULTS LEFT DAMAGE: see the counts above.");
    }
}

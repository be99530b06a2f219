using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using TradeChain.Cli;
using TradeChain.ServiceDefaults.Auth;
using TradeChain.Testing;

namespace TradeChain.Bench;

/// <summary>One stage of the open-loop load at one rate, measured from its first arrival until everything it started was released and anchored (or the drain ran out).</summary>
/// <param name="CompletedPerSecond">Released declarations ÷ the time from the first arrival to the last release.</param>
/// <param name="CpuMsPerDeclaration">CPU milliseconds per offered declaration, per process (customs, documents, payments, rabbitmq, anvil, the PostgreSQL server and its backends, harness).</param>
/// <param name="RpcCallsPerDeclaration">JSON-RPC calls from the services per offered declaration, per method.</param>
/// <param name="HttpRequestsPerDeclaration">The harness's HTTP requests per offered declaration, per service.</param>
/// <param name="ChainTransactionsPerDeclaration">Transactions in the blocks mined during the stage per offered declaration.</param>
/// <param name="SettledPerSecond">Duty payments the one bank (every declaration's) settled in the stage ÷ the stage's arrival time: the declaration rate when sustainable, not the bank's capacity.</param>
public sealed record StageResult(
    int BatchSize, double OfferedPerSecond, double Seconds, StageOutcome Outcome, int Errors, double CompletedPerSecond,
    double ReleaseP50Ms, double ReleaseP95Ms, double ReleaseP99Ms,
    int Transitions, double AnchorP50Ms, double AnchorP95Ms, double AnchorP99Ms,
    IReadOnlyDictionary<string, double?> CpuMsPerDeclaration,
    IReadOnlyDictionary<string, double> RpcCallsPerDeclaration,
    double ChainTransactionsPerDeclaration,
    double SettledPerSecond,
    IReadOnlyList<PhaseTiming>? Phases = null,
    IReadOnlyDictionary<string, double>? HttpRequestsPerDeclaration = null)
{
    public static readonly string[] Services = ["customs", "documents", "payments"];

    public bool Sustainable => Outcome.Sustainable;

    /// <summary>CPU-ms per declaration across the three services (null when one was not measured).</summary>
    public double? ServicesCpuMsPerDeclaration =>
        Services.All(s => CpuMsPerDeclaration.GetValueOrDefault(s) is not null) ? Services.Sum(s => CpuMsPerDeclaration[s]!.Value) : null;

    public double RpcTotalPerDeclaration => RpcCallsPerDeclaration.Values.Sum();
}

/// <summary>One step of the golden path: how long released declarations spent in it, p50 and p95 (ms).</summary>
public sealed record PhaseTiming(string Name, double P50Ms, double P95Ms);

/// <summary>What the system costs while nothing arrives (after the warm-up has drained): per process, per second.</summary>
/// <param name="CpuMsPerSecond">CPU milliseconds per second, per process (as the stages' columns).</param>
/// <param name="RpcCallsPerSecond">The services' JSON-RPC calls per second, by method.</param>
public sealed record IdleLoad(double Seconds, IReadOnlyDictionary<string, double?> CpuMsPerSecond, IReadOnlyDictionary<string, double> RpcCallsPerSecond);

/// <param name="Stages">The measured stages in the order run (the warm-up is not among them).</param>
/// <param name="HighestSustainable">The highest sustainable rate the run found (with a fixed rate: that rate, if it was).</param>
/// <param name="BurstSettledPerSecond">Duty payments one bank settled per second when asked for many at once, one request each (the settlement burst; null: not run).</param>
/// <param name="BulkBurstSettledPerSecond">The same burst asked in bulk requests (<c>POST /duty-payments/settlements</c>, <see cref="BulkRequestSize"/> payments each; null: not run).</param>
/// <param name="Declarations">Every declaration driven, warm-up and settlement burst included.</param>
/// <param name="Transitions">Every anchored transition in the three databases at the end.</param>
public sealed record EndToEndResult(
    int BatchSize,
    IReadOnlyList<StageResult> Stages,
    double? HighestSustainable,
    double? BurstSettledPerSecond,
    double? BulkBurstSettledPerSecond,
    int Declarations,
    IReadOnlyList<string> Failures,
    int Transitions,
    int AnchoringTransactions,
    double GasPerTransition,
    double MeanBatchSize,
    int VerifiedTransitions,
    IReadOnlyList<string> VerificationFailures,
    IdleLoad? Idle = null)
{
    /// <summary>The payments one bulk settlement request of the burst names (the service's most).</summary>
    public const int BulkRequestSize = TradeChain.Payments.Api.DutyPaymentEndpoints.MaxBulkSettlement;

    /// <summary>The stage the capacity table reports: the highest sustainable one, or else the last.</summary>
    public StageResult? Headline => Stages.Where(s => s.Sustainable).MaxBy(s => s.OfferedPerSecond) ?? Stages.LastOrDefault();
}

/// <summary>
/// The capacity benchmark on the real system (three service processes, RabbitMQ, anvil) with one anchoring
/// configuration: declarations arrive open-loop at a set rate through the golden path (two documents issued, the
/// declaration lodged, assessed, its duty paid by one bank, released), after a warm-up that is not measured. Either one
/// stage at a fixed rate, or a search for the highest sustainable rate (<see cref="CapacitySearch"/>). Each stage is
/// measured from its first arrival until everything it started is released and anchored: decl/s, release latency
/// (from the scheduled arrival), transition → anchor lag, CPU per process, the services' RPC calls (through a counting
/// proxy in front of anvil) and the chain transactions mined. At the end every transition in the three databases is
/// checked against the chain like an outside verifier would.
/// </summary>
/// <param name="rate">A fixed rate (declarations per second) for the one stage; null: search.</param>
public sealed class EndToEndRun(BenchOptions options, int batchSize, double? rate, TextWriter log)
{
    private static readonly AuthOptions Auth = new() { SigningKey = DevelopmentTokens.DevelopmentSigningKey };
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMinutes(3);
    private readonly string _runId = Guid.NewGuid().ToString("N")[..6];
    private readonly List<Task<Outcome>> _all = [];
    private int _sequence;

    private sealed record Outcome(double? ReleaseMs, long ReleasedAt, long SettledAt, string? Error, double[]? Phases = null);

    /// <summary>The golden path's steps, in order, each timed from the end of the one before (the first from the scheduled arrival).</summary>
    public static readonly string[] PhaseNames =
        ["documents issued", "declaration assessed", "payment request seen", "mandate and accounts", "deposit booked", "duty settled", "declaration released"];

    private sealed record Snapshot(long UnixMs, IReadOnlyDictionary<string, TimeSpan?> Cpu, IReadOnlyDictionary<string, long> Calls, long Block,
        IReadOnlyDictionary<string, long> Requests)
    {
        /// <summary>The harness's HTTP requests since <paramref name="before"/> ÷ <paramref name="per"/>, by service.</summary>
        public Dictionary<string, double> RequestsSince(Snapshot before, double per) =>
            Requests.ToDictionary(r => r.Key, r => (r.Value - before.Requests.GetValueOrDefault(r.Key)) / per);

        /// <summary>Each process's CPU milliseconds since <paramref name="before"/> ÷ <paramref name="per"/> (null where it could not be read).</summary>
        public Dictionary<string, double?> CpuMsSince(Snapshot before, double per) =>
            Cpu.ToDictionary(p => p.Key, p => p.Value - before.Cpu[p.Key] is { } used ? used.TotalMilliseconds / per : (double?)null);

        /// <summary>The services' RPC calls since <paramref name="before"/> ÷ <paramref name="per"/>, by method (those made).</summary>
        public Dictionary<string, double> CallsSince(Snapshot before, double per) =>
            Calls.ToDictionary(c => c.Key, c => (c.Value - before.Calls.GetValueOrDefault(c.Key)) / per).Where(c => c.Value > 0).ToDictionary();
    }

    /// <summary>The running system and what the run measures it with: the counting RPC proxy, a direct chain reader, each process's pid, one client per party.</summary>
    private sealed record Rig(TradeChainSystem System, ServiceStores Stores, JsonRpcProxy Rpc, IndependentVerifier Chain, IReadOnlyDictionary<string, Func<TimeSpan?>> Meters,
        HttpClient Exporter, HttpClient Bank, HttpClient Treasury, HttpCounter Http)
    {
        /// <summary>The exporter's mandate and the accounts, put in place by the first declaration that needs them (a bank opens an account once).</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<(string Payer, string Bank, string Currency), Lazy<Task>> AccountsInPlace { get; } = new();
    }

    public async Task<EndToEndResult> RunAsync()
    {
        var anvilPort = TestEnvironment.FreePort();
        await using var rpc = new JsonRpcProxy($"http://127.0.0.1:{anvilPort}");
        await using var stores = new ServiceStores(options.Postgres);
        await using var system = await TradeChainSystem.StartAsync((name, service) =>
        {
            stores.Configure(name, service);
            service.SetSetting("Chain:RpcUrl", rpc.Url);
            service.SetSetting("Anchoring:MaxBatchSize", batchSize.ToString());
            service.SetSetting("Anchoring:MaxWaitMs", batchSize == 1 ? "0" : "250");
            service.SetSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (variable, value) in options.ServiceEnvironment ?? new Dictionary<string, string>()) service.SetSetting(variable, value);
        }, anvilPort: anvilPort, blockTimeSeconds: options.BlockTimeSeconds);
        stores.Attach(system);
        using var verifier = new IndependentVerifier(system.Chain.RpcUrl);
        // One client (one connection pool) per party for the whole run, each request counted by the service it went to.
        var http = new HttpCounter(new Dictionary<int, string>
        {
            [system.Customs.BaseAddress.Port] = "customs", [system.Documents.BaseAddress.Port] = "documents", [system.Payments.BaseAddress.Port] = "payments",
        });
        using var exporter = Client(Roles.Exporter, GoldenPath.ExporterParty, http);
        using var bank = Client(Roles.Bank, GoldenPath.BankParty, http);
        using var treasury = Client(Roles.Bank, GoldenPath.TreasuryBankParty, http);
        // Each process's CPU so far: its own (the services, RabbitMQ, anvil, the harness — whose children are the services,
        // so never a tree), or the PostgreSQL server's with its backends when the services' records are there (n/a on
        // SQLite: in the services' own time).
        static Func<TimeSpan?> Own(int? pid) => () => pid is { } p ? ProcessCpu.Of(p) : null;
        static Func<TimeSpan?> Tree(int? pid) => () => pid is { } p ? ProcessCpu.OfTree(p) : null;
        var meters = new Dictionary<string, Func<TimeSpan?>>
        {
            ["customs"] = Own(system.ProcessId("customs")), ["documents"] = Own(system.ProcessId("documents")), ["payments"] = Own(system.ProcessId("payments")),
            ["rabbitmq"] = Own(ProcessCpu.ListeningOn(new Uri(system.Broker.AmqpUrl).Port)), ["anvil"] = Own(system.ProcessId("anvil")),
            ["postgres"] = Tree(options.Postgres ? ProcessCpu.ListeningOn(new Npgsql.NpgsqlConnectionStringBuilder(PostgresDatabase.Server).Port) : null),
            ["harness"] = Own(Environment.ProcessId),
        };
        var rig = new Rig(system, stores, rpc, verifier, meters, exporter, bank, treasury, http);

        if (options.WarmupSeconds > 0)
        {
            log.WriteLine($"  batch size {batchSize}: warm-up, {options.WarmupRate:0.##}/s for {options.WarmupSeconds} s (not measured)");
            await StageAsync(rig, options.WarmupRate, TimeSpan.FromSeconds(options.WarmupSeconds));
        }
        IdleLoad? idle = null;
        if (options.IdleSeconds > 0)
        {
            var before = await SnapshotAsync(rig);
            await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
            var after = await SnapshotAsync(rig);
            var seconds = (after.UnixMs - before.UnixMs) / 1000.0;
            idle = new IdleLoad(seconds, after.CpuMsSince(before, seconds), after.CallsSince(before, seconds));
            log.WriteLine($"  batch size {batchSize}: idle for {seconds:0} s → {idle.CpuMsPerSecond.Where(p => StageResult.Services.Contains(p.Key)).Sum(p => p.Value ?? 0):0} CPU-ms/s in the services");
        }
        var stages = new List<StageResult>();
        var search = rate is null ? new CapacitySearch(options.StartRate, maxStages: options.MaxStages) : null;
        for (double? next = rate ?? search!.First; next is { } r; next = search?.Next(r, stages[^1].Sustainable))
        {
            var stage = await StageAsync(rig, r, TimeSpan.FromSeconds(options.StageSeconds));
            stages.Add(stage);
            log.WriteLine($"  batch size {batchSize}: {r:0.##}/s for {options.StageSeconds} s → released {stage.Outcome.Released}/{stage.Outcome.Offered}, " +
                          $"p99 release {stage.ReleaseP99Ms:0} ms, {stage.ServicesCpuMsPerDeclaration:0} CPU-ms/decl in the services: " +
                          (stage.Sustainable ? "sustainable" : $"not sustainable ({stage.Outcome.Shortfall})"));
        }
        var highest = rate is null ? search!.Sustained : stages.Any(s => s.Sustainable) ? rate : null;
        var burst = options.SettlementBurst > 0 && batchSize == options.BatchSizes.Max();
        var burstRate = highest ?? stages.Min(s => s.OfferedPerSecond);
        var settledPerSecond = burst ? await SettlementBurstAsync(rig, options.SettlementBurst, burstRate, bulk: false) : null;
        var bulkSettledPerSecond = burst ? await SettlementBurstAsync(rig, options.SettlementBurst, burstRate, bulk: true) : null;

        // Everything driven (leftovers of a failed stage included) ends, is anchored, and is checked like an outsider would.
        var outcomes = await Task.WhenAll(_all);
        await WaitForAnchoringAsync(stores);
        var transitions = StageResult.Services.SelectMany(stores.ReadTransitions).ToList();
        var failures = await VerifyAsync(system, verifier, transitions);
        var gas = 0L;
        var transactions = transitions.Select(t => t["anchor"]!["transactionHash"]!.GetValue<string>()).Distinct().ToList();
        foreach (var tx in transactions) gas += await verifier.GasUsedAsync(tx);
        return new EndToEndResult(batchSize, stages, highest, settledPerSecond, bulkSettledPerSecond, outcomes.Length, outcomes.Where(o => o.Error is not null).Select(o => o.Error!).ToList(),
            transitions.Count, transactions.Count, (double)gas / Math.Max(1, transitions.Count), (double)transitions.Count / Math.Max(1, transactions.Count),
            transitions.Count - failures.Count, failures, idle);
    }

    /// <summary>
    /// One bank's settlement rate: <paramref name="count"/> declarations arrive at <paramref name="perSecond"/> and are
    /// driven up to their settlement (documents issued, assessed, the payer's account funded), held there, then all
    /// their settlements are asked of the one bank at once — a request each, or (<paramref name="bulk"/>) in bulk requests
    /// of <see cref="EndToEndResult.BulkRequestSize"/> sent together: payments settled ÷ (last Settled − the burst's start).
    /// </summary>
    private async Task<double?> SettlementBurstAsync(Rig rig, int count, double perSecond, bool bulk)
    {
        log.WriteLine($"  batch size {batchSize}: settlement burst, {count} duty payments held at the point of settlement, then settled by one bank at once" +
                      (bulk ? $" in bulk requests (at most {EndToEndResult.BulkRequestSize} payments each)" : ", one request each"));
        var ready = 0;
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Arrived() { if (Interlocked.Increment(ref ready) == count) allReady.TrySetResult(); }
        // Each process's CPU from the burst's start until the last payment is Settled (or every declaration has ended).
        var (settledCount, endedCount) = (0, 0);
        var allSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Counted() { if (Volatile.Read(ref settledCount) + Volatile.Read(ref endedCount) >= count) allSettled.TrySetResult(); }
        void Settled() { Interlocked.Increment(ref settledCount); Counted(); }
        void Ended() { Interlocked.Increment(ref endedCount); Counted(); }
        // In bulk: each held settlement waits for its item of a bulk request's answer.
        // One that reaches its settlement after the bulk requests went (its declaration was slower than the wait for all) asks alone.
        var held = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<JsonObject>>(StringComparer.Ordinal);
        var gate = new Lock();
        var bulkSent = false;
        Func<string, Task<JsonObject>>? settle = bulk ? reference =>
        {
            lock (gate)
            {
                if (!bulkSent)
                {
                    var answer = held.GetOrAdd(reference, _ => new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously));
                    Arrived();
                    return answer.Task;
                }
            }
            return TradeChainHttp.PostAsync(rig.Bank, new Uri(rig.System.Payments.BaseAddress, $"duty-payments/{reference}/settle"), new { });
        } : null;
        var start = Stopwatch.GetTimestamp();
        var runs = new List<Task<Outcome>>();
        foreach (var offset in Enumerable.Range(0, count).Select(i => TimeSpan.FromSeconds(i / perSecond)))
        {
            var wait = offset - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var lrn = $"BENCH-{batchSize}-{Interlocked.Increment(ref _sequence)}-{_runId}";
            runs.Add(Task.Run(async () =>
            {
                var (reached, didSettle) = (false, false);
                void Done() { didSettle = true; Settled(); }
                var outcome = bulk
                    ? await DeclarationAsync(rig, lrn, Stopwatch.GetTimestamp(), settle: reference => { reached = true; return settle!(reference); }, settled: Done)
                    : await DeclarationAsync(rig, lrn, Stopwatch.GetTimestamp(), async () => { reached = true; Arrived(); await go.Task; }, settled: Done);
                if (!reached) Arrived(); // failed before its settlement: not waited for
                if (!didSettle) Ended(); // never settled: the CPU snapshot does not wait for it
                return outcome;
            }));
        }
        _all.AddRange(runs);
        await Task.WhenAny(allReady.Task, Task.Delay(PollTimeout));
        var cpuBefore = rig.Meters.ToDictionary(m => m.Key, m => m.Value());
        var blockBefore = await rig.Chain.BlockNumberAsync();
        // Followed in the payments database every 250 ms: the intents saved (Settling or beyond) and the payments Settled.
        var baseline = await rig.Stores.DutyPaymentsByStatusAsync();
        using var sampling = new CancellationTokenSource();
        var samples = new List<(double Seconds, long Intents, long Settled)>();
        var burst = Stopwatch.GetTimestamp();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                try
                {
                    var now = await rig.Stores.DutyPaymentsByStatusAsync();
                    long Gained(string status) => now.GetValueOrDefault(status) - baseline.GetValueOrDefault(status);
                    samples.Add((Stopwatch.GetElapsedTime(burst).TotalSeconds, Gained("Settling") + Gained("Settled"), Gained("Settled")));
                }
                catch (System.Data.Common.DbException) { } // a read that failed (a busy file): the next one counts
                try { await Task.Delay(250, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        go.SetResult();
        if (bulk)
        {
            string[] asked;
            lock (gate)
            {
                bulkSent = true;
                asked = [.. held.Keys];
            }
            var requests = asked.Chunk(EndToEndResult.BulkRequestSize).ToList();
            log.WriteLine($"  batch size {batchSize}: {asked.Length} settlements asked in {requests.Count} bulk request(s) at once");
            await Task.WhenAll(requests.Select(chunk => SettleInBulkAsync(rig, chunk, held)));
        }
        await Task.WhenAny(allSettled.Task, Task.WhenAll(runs));
        var cpuAfter = rig.Meters.ToDictionary(m => m.Key, m => m.Value());
        sampling.Cancel();
        await sampler;
        var settledThen = Volatile.Read(ref settledCount);
        // Intents saved: Settling or Settled gained since the start (one given up drops out again); read every 250 ms, so the
        // last sample may be short of the end.
        log.WriteLine($"  batch size {batchSize}: from the burst's start, s → intents saved / Settled: " +
                      string.Join(", ", samples.Select(x => $"{x.Seconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} → {x.Intents}/{x.Settled}")));
        var ended = await Task.WhenAll(runs);
        // Customs' part (the settled payments applied, the goods released) comes after the last Settled: a second reading
        // once every declaration of the burst has ended (released, or failed: the log says how many failed).
        var cpuReleased = rig.Meters.ToDictionary(m => m.Key, m => m.Value());
        var settled = ended.Where(o => o.Error is null && o.SettledAt > burst).Select(o => o.SettledAt).ToList();
        string PerSettlement(Dictionary<string, TimeSpan?> after) =>
            string.Join(", ", after.Select(m => $"{m.Key} {(m.Value - cpuBefore[m.Key] is { } used ? (used.TotalMilliseconds / Math.Max(1, settledThen)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "n/a")}"));
        log.WriteLine($"  batch size {batchSize}: {settledThen} settled; CPU-ms per settlement from the burst's start to the last Settled: {PerSettlement(cpuAfter)}");
        log.WriteLine($"  batch size {batchSize}: CPU-ms per settlement from the burst's start until every declaration was released or failed: {PerSettlement(cpuReleased)}");
        var rate = settled.Count == 0 ? (double?)null : settled.Count / Stopwatch.GetElapsedTime(burst, settled.Max()).TotalSeconds;
        // Which blocks carried the burst: the settlement tokens' Payment events per block (a deposit's are counted too, but
        // the burst's payers were funded before it began).
        var head = await rig.Chain.BlockNumberAsync();
        var perBlock = new long[head - blockBefore];
        foreach (var token in rig.System.Chain.Deployment.Settlement.Values.Select(s => s.Token).Distinct())
            foreach (var (block, logs) in await rig.Chain.LogsPerBlockAsync(token, TradeChain.Ledger.SettlementClient.PaymentTopic, blockBefore, head))
                perBlock[block - blockBefore - 1] += logs;
        log.WriteLine($"  batch size {batchSize}: {settled.Count} settled" + (rate is { } r ? $" at {r.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}/s" : "") +
                      "; the tokens' Payment events in each block from the first that holds one to the last: " +
                      string.Join(", ", perBlock.SkipWhile(n => n == 0).Reverse().SkipWhile(n => n == 0).Reverse()));
        await WaitForAnchoringAsync(rig.Stores);
        return rate;
    }

    /// <summary>One bulk settlement request: each held settlement is answered with its item's payment (or fails with its item).</summary>
    private static async Task SettleInBulkAsync(Rig rig, string[] references, System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> held)
    {
        try
        {
            var answer = await TradeChainHttp.PostAsync(rig.Bank, new Uri(rig.System.Payments.BaseAddress, "duty-payments/settlements"), new { references });
            foreach (var item in answer["results"]!.AsArray())
            {
                var reference = item!["reference"]!.GetValue<string>();
                if (item["payment"] is JsonObject payment && item["status"]!.GetValue<int>() is 200 or 202) held[reference].TrySetResult(payment);
                else held[reference].TrySetException(new ApiCallException($"bulk settlement of {reference}: {item.ToJsonString()}"));
            }
        }
        catch (Exception e)
        {
            foreach (var reference in references) held[reference].TrySetException(e);
        }
    }

    private static HttpClient Client(string role, string party, HttpCounter counter) =>
        TradeChainHttp.Client(Auth, role, party, "bench", TimeSpan.FromSeconds(60), counter.Handler());

    /// <summary>Declarations arrive at <paramref name="perSecond"/> for <paramref name="duration"/>; measured until they are all released and anchored, or the drain runs out.</summary>
    private async Task<StageResult> StageAsync(Rig rig, double perSecond, TimeSpan duration)
    {
        var before = await SnapshotAsync(rig);
        var start = Stopwatch.GetTimestamp();
        var runs = new List<Task<Outcome>>();
        foreach (var offset in OpenLoop.Arrivals(perSecond, duration))
        {
            var wait = offset - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var scheduled = start + (long)(offset.TotalSeconds * Stopwatch.Frequency);
            var lrn = $"BENCH-{batchSize}-{Interlocked.Increment(ref _sequence)}-{_runId}";
            runs.Add(Task.Run(() => DeclarationAsync(rig, lrn, scheduled)));
        }
        _all.AddRange(runs);
        var drain = TimeSpan.FromSeconds(options.DrainSeconds);
        var drained = Stopwatch.StartNew();
        await Task.WhenAny(Task.WhenAll(runs), Task.Delay(drain));
        var pending = await PendingAnchoringAsync(rig.Stores, drain - drained.Elapsed);
        var after = await SnapshotAsync(rig);

        var done = runs.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToList();
        var released = done.Where(o => o.ReleaseMs is not null).ToList();
        var latencies = released.Select(o => o.ReleaseMs!.Value).ToList();
        var lastRelease = released.Count == 0 ? start : released.Max(o => o.ReleasedAt);
        var outcome = new StageOutcome(runs.Count, released.Count, Stats.Percentile(latencies, 99), pending);

        // The stage's transitions: those that occurred in its window (read once they are anchored, or the drain ran out).
        var window = StageResult.Services.SelectMany(rig.Stores.ReadTransitions)
            .Where(t => t["occurredAtUnixMs"]!.GetValue<long>() is var at && at >= before.UnixMs && at <= after.UnixMs).ToList();
        var lags = window.Select(t => (double)(t["anchoredAtUnixMs"]!.GetValue<long>() - t["occurredAtUnixMs"]!.GetValue<long>())).ToList();
        var settled = window.Count(t => t["service"]!.GetValue<string>() == "payments" && t["toState"]!.GetValue<string>() == "Settled");
        var offered = Math.Max(1, runs.Count);
        var result = new StageResult(batchSize, perSecond, duration.TotalSeconds, outcome, done.Count(o => o.Error is not null),
            released.Count / Math.Max(0.001, Stopwatch.GetElapsedTime(start, lastRelease).TotalSeconds),
            Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 95), Stats.Percentile(latencies, 99),
            window.Count, Stats.Percentile(lags, 50), Stats.Percentile(lags, 95), Stats.Percentile(lags, 99),
            after.CpuMsSince(before, offered), after.CallsSince(before, offered),
            (double)await rig.Chain.TransactionsInBlocksAsync(before.Block, after.Block) / offered,
            settled / duration.TotalSeconds,
            [.. PhaseNames.Select((name, i) => new PhaseTiming(name,
                Stats.Percentile([.. released.Where(o => o.Phases is not null).Select(o => o.Phases![i])], 50),
                Stats.Percentile([.. released.Where(o => o.Phases is not null).Select(o => o.Phases![i])], 95)))],
            after.RequestsSince(before, offered));

        // Before the next stage: what this one left behind ends (not measured), so that each stage starts from a quiet system.
        await Task.WhenAll(runs);
        await WaitForAnchoringAsync(rig.Stores);
        return result;
    }

    private static async Task<Snapshot> SnapshotAsync(Rig rig) => new(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        rig.Meters.ToDictionary(m => m.Key, m => m.Value()), rig.Rpc.Calls, await rig.Chain.BlockNumberAsync(), rig.Http.Snapshot());

    /// <summary>One declaration through the golden path; its release latency from its scheduled arrival, or what went wrong.</summary>
    /// <param name="beforeSettle">Awaited once the payer's account is funded, before the settlement is asked for.</param>
    /// <param name="settle">How the settlement is asked (the bulk burst's); null: a request of its own.</param>
    /// <param name="settled">Told once the payment is Settled (the burst's CPU is read when the last one is).</param>
    private static async Task<Outcome> DeclarationAsync(Rig rig, string lrn, long scheduled, Func<Task>? beforeSettle = null, Func<string, Task<JsonObject>>? settle = null,
        Action? settled = null)
    {
        try
        {
            var (exporter, system) = (rig.Exporter, rig.System);
            var documents = system.Documents.BaseAddress;
            // The declaration's two documents in one request (POST /documents/batch), each followed by the documents service's long-poll.
            var batch = await TradeChainHttp.PostAsync(exporter, new Uri(documents, "documents/batch"), new
            {
                documents = new object[]
                {
                    new
                    {
                        type = "certificate-of-origin",
                        content = new { certificateNumber = $"CO-{lrn}", exporter = new { name = "ACME Rubber Export JSC", country = "VN" }, consignee = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, originCountry = "VN", goodsDescription = "natural rubber SVR 10" },
                    },
                    new
                    {
                        type = "commercial-invoice",
                        content = new { invoiceNumber = $"INV-{lrn}", seller = new { name = "ACME Rubber Export JSC", country = "VN" }, buyer = new { name = "Nordsee Reifenwerke GmbH", country = "DE" }, totalAmount = "48000.00", currency = "USD" },
                    },
                },
            });
            var submitted = batch["results"]!.AsArray().Select(r => r!["document"] as JsonObject
                ?? throw new ApiCallException($"document {r!["index"]} of {lrn} was refused: {r.ToJsonString()}")).ToList();
            var marks = new long[PhaseNames.Length + 1];
            marks[0] = scheduled;
            // Each followed from the answer the batch gave (it carries the document's version): no plain GET before the first long-poll.
            var hashes = await Task.WhenAll(submitted.Select(async s =>
                (await Follow(exporter, new Uri(documents, $"documents/{s["id"]}"), d => d["status"]?.GetValue<string>() == "Issued", s))["hash"]!.GetValue<string>()));
            marks[1] = Stopwatch.GetTimestamp();
            var lodged = await TradeChainHttp.PostAsync(exporter, new Uri(system.Customs.BaseAddress, "declarations"), GoldenPath.ExportDeclaration(lrn, hashes[0], hashes[1]));
            var declaration = new Uri(system.Customs.BaseAddress, $"declarations/{lodged["id"]}");
            // Declarations and documents are followed by long-poll (one request per status change); a duty payment by
            // FundAndSettleAsync only when its settlement was answered 202 Settling.
            var assessed = await Follow(exporter, declaration, d => d["status"]?.GetValue<string>() is "Assessed" or "Rejected", lodged);
            if (assessed["status"]!.GetValue<string>() != "Assessed") return new Outcome(null, 0, 0, $"{lrn} rejected: {assessed["statusReason"]}");
            marks[2] = Stopwatch.GetTimestamp();
            var reference = assessed["paymentReference"]!.GetValue<string>();
            await GoldenPath.FundAndSettleAsync(exporter, rig.Bank, GoldenPath.BankParty, rig.Treasury, system.Payments.BaseAddress, reference, PollTimeout,
                beforeSettle: async () =>
                {
                    if (beforeSettle is not null) await beforeSettle();
                    marks[5] = Stopwatch.GetTimestamp(); // after a held burst's wait: the settlement step starts when it is asked
                },
                reached: step => marks[3 + step] = Stopwatch.GetTimestamp(), accountsInPlace: rig.AccountsInPlace, settle: settle);
            // FundAndSettleAsync answers once the payment is Settled (it throws on any other outcome): not followed again.
            var settledAt = marks[6] = Stopwatch.GetTimestamp();
            settled?.Invoke();
            await Follow(exporter, declaration, d => d["status"]?.GetValue<string>() == "Released", assessed);
            var at = marks[7] = Stopwatch.GetTimestamp();
            return new Outcome(Stopwatch.GetElapsedTime(scheduled, at).TotalMilliseconds, at, settledAt, null,
                [.. Enumerable.Range(1, PhaseNames.Length).Select(i => Stopwatch.GetElapsedTime(marks[i - 1], marks[i]).TotalMilliseconds)]);
        }
        catch (Exception e) // any failure of one declaration is its outcome, reported; the run goes on
        {
            return new Outcome(null, 0, 0, $"{lrn}: {e.Message}");
        }
    }

    private static Task<JsonObject> Follow(HttpClient client, Uri uri, Func<JsonObject, bool> done, JsonObject? known = null) =>
        TradeChainHttp.FollowAsync(client, uri, done, PollTimeout, known: known);

    private static async Task<long> PendingAsync(ServiceStores stores)
    {
        long pending = 0;
        foreach (var service in StageResult.Services) pending += await stores.PendingAnchoringAsync(service);
        return pending;
    }

    /// <summary>Transitions still pending anchoring once none are, or when <paramref name="patience"/> runs out.</summary>
    private static async Task<long> PendingAnchoringAsync(ServiceStores stores, TimeSpan patience)
    {
        for (var clock = Stopwatch.StartNew(); ; await Task.Delay(100))
            if (await PendingAsync(stores) is var pending && (pending == 0 || clock.Elapsed >= patience)) return pending;
    }

    private static async Task WaitForAnchoringAsync(ServiceStores stores)
    {
        if (await PendingAnchoringAsync(stores, TimeSpan.FromMinutes(5)) > 0) throw new TimeoutException("transitions still pending anchoring after 5 minutes");
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

    /// <summary>Each transition as the history API shows it, read straight from a service's SQLite database.</summary>
    internal static List<JsonObject> ReadTransitions(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        return ReadTransitions(connection);
    }

    /// <summary>Each anchored transition as the history API shows it, read straight from a service's open database connection (SQLite or PostgreSQL).</summary>
    internal static List<JsonObject> ReadTransitions(System.Data.Common.DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"Service\", \"AggregateType\", \"AggregateId\", \"Sequence\", \"FromState\", \"ToState\", \"Actor\", \"Reason\", " +
                              "\"ResponseCode\", \"OccurredAtUnixMs\", \"BatchRoot\", \"Proof\", \"TransactionHash\", \"AnchoredAtUnixMs\" FROM transitions WHERE \"BatchRoot\" IS NOT NULL";
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

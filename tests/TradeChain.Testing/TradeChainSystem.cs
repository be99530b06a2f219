using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TradeChain.AppHost;
using TradeChain.Ledger;

namespace TradeChain.Testing;

/// <summary>
/// The whole system for one test, started from the AppHost's model (the one scripts/run.sh runs) through Aspire's test
/// host: a fresh anvil with the contracts deployed by the CLI, a private virtual host on the test broker, the three
/// services (and the console, when asked) as processes on free ports, their databases in the test's own directory.
/// </summary>
public sealed class TradeChainSystem : IAsyncDisposable
{
    private readonly DistributedApplication _app;
    private readonly CancellationTokenSource _stop;

    private TradeChainSystem(DistributedApplication app, CancellationTokenSource stop, SystemChain chain, RabbitVirtualHost broker, string directory,
        IReadOnlyDictionary<string, ServiceProcess> processes, TimeSpan startup, int bankSignerPort)
    {
        BankSignerUrl = $"http://127.0.0.1:{bankSignerPort}";
        _app = app;
        _stop = stop;
        Chain = chain;
        Broker = broker;
        Directory = directory;
        Customs = processes["customs"];
        Documents = processes["documents"];
        Payments = processes["payments"];
        Console = processes.GetValueOrDefault("console");
        Startup = startup;
    }

    public SystemChain Chain { get; }

    /// <summary>The development banks' own signer (the model's "bank-signer" anvil, see <see cref="DevelopmentBankSigners"/>).</summary>
    public string BankSignerUrl { get; }

    public RabbitVirtualHost Broker { get; }

    /// <summary>The system's own RabbitMQ, when it was started with one (null: a virtual host on the shared test broker).</summary>
    public SystemBroker? OwnBroker { get; private init; }

    public string Directory { get; }

    public ServiceProcess Customs { get; }

    public ServiceProcess Documents { get; }

    public ServiceProcess Payments { get; }

    /// <summary>The console, when the system was started with it.</summary>
    public ServiceProcess? Console { get; }

    /// <summary>How long the start took, from nothing to every process ready.</summary>
    public TimeSpan Startup { get; }

    public string DatabasePath(string service) => Path.Combine(Directory, "data", $"{service}.db");

    /// <summary>The operating-system process of one of the model's executables ("customs", "anvil"...), if it is running.</summary>
    public int? ProcessId(string resource) => Watch.ProcessId(_app, resource);

    /// <summary>A COUNT(*) (or any single integer) read straight from a service's SQLite database.</summary>
    public static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public string Diagnostics =>
        (Console is null ? "" : $"--- console ---\n{Console.RecentOutput}\n") +
        $"--- customs ---\n{Customs.RecentOutput}\n--- documents ---\n{Documents.RecentOutput}\n--- payments ---\n{Payments.RecentOutput}";

    /// <param name="configure">Extra settings per service ("customs", "documents", "payments").</param>
    /// <param name="console">Also start the console, with these extra settings (null: no console).</param>
    /// <param name="consolePort">The console's port, for a test that must know its address before the start.</param>
    /// <param name="anvilPort">Anvil's port, for a test that must know the chain's address before the start (to put a proxy in front of it).</param>
    /// <param name="bankSignerPort">The bank signer's port, for a test that puts a proxy in front of it.</param>
    /// <param name="blockTimeSeconds">The chain mines a block every this many seconds (0: a block per transaction, anvil's automine).</param>
    /// <param name="ownBroker">
    /// Start a RabbitMQ of the system's own (as the run command does) instead of a virtual host on the shared test broker:
    /// for a run that kills the broker (<see cref="OwnBroker"/>).
    /// </param>
    public static async Task<TradeChainSystem> StartAsync(Action<string, ServiceProcess>? configure = null,
        Action<ServiceProcess>? console = null, int? consolePort = null, int? anvilPort = null, bool ownBroker = false,
        int? bankSignerPort = null, int blockTimeSeconds = 0)
    {
        var clock = Stopwatch.StartNew();
        var directory = TestEnvironment.NewTempDirectory("e2e");
        var ports = new Dictionary<string, int>
        {
            ["customs"] = TestEnvironment.FreePort(), ["documents"] = TestEnvironment.FreePort(), ["payments"] = TestEnvironment.FreePort(),
            ["console"] = consolePort ?? TestEnvironment.FreePort(), ["anvil"] = anvilPort ?? TestEnvironment.FreePort(),
            ["bank-signer"] = bankSignerPort ?? TestEnvironment.FreePort(),
            ["amqp"] = ownBroker ? TestEnvironment.BrokerPort() : 0, ["management"] = TestEnvironment.FreePort(),
        };
        var broker = ownBroker
            ? RabbitVirtualHost.DefaultOf(new Uri($"amqp://guest:guest@127.0.0.1:{ports["amqp"]}/"), new Uri($"http://127.0.0.1:{ports["management"]}/"))
            : await RabbitVirtualHost.CreateAsync();
        // The AppHost's own Program builds the model from these settings (TradeChainSettings); Aspire's test host stops it at Build.
        string[] args =
        [
            $"TradeChain:StateDir={directory}", $"TradeChain:Configuration={TestEnvironment.Configuration}",
            ownBroker ? $"TradeChain:AmqpPort={ports["amqp"]}" : $"TradeChain:Broker={broker.AmqpUrl}", $"TradeChain:RabbitManagementPort={ports["management"]}",
            $"TradeChain:Console={console is not null}", "TradeChain:HostedByTests=true", "TradeChain:ChainLog=false", "TradeChain:Telemetry=false", $"TradeChain:AnvilPort={ports["anvil"]}",
            $"TradeChain:BankSignerPort={ports["bank-signer"]}",
            $"TradeChain:CustomsPort={ports["customs"]}", $"TradeChain:DocumentsPort={ports["documents"]}", $"TradeChain:PaymentsPort={ports["payments"]}",
            $"TradeChain:ConsolePort={ports["console"]}", $"TradeChain:BlockTime={blockTimeSeconds}",
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync(typeof(TradeChainModel).Assembly.EntryPoint!.DeclaringType!, args,
            (options, _) => options.DisableDashboard = true);
        builder.Services.AddLogging(logging => logging.ClearProviders()); // each process's output is kept by its ServiceProcess

        var processes = new Dictionary<string, ServiceProcess>();
        foreach (var name in TradeChainModel.Services.Append("console"))
        {
            if (builder.Resources.OfType<ExecutableResource>().SingleOrDefault(r => r.Name == name) is not { } resource) continue;
            var process = processes[name] = new ServiceProcess(name, ports[name]);
            if (name == "console") console!(process);
            else
            {
                process.SetSetting("Anchoring:MaxWaitMs", "200");
                configure?.Invoke(name, process);
            }
            process.Configure(builder.CreateResourceBuilder(resource));
        }

        var stop = new CancellationTokenSource();
        DistributedApplication? app = null;
        try
        {
            app = await builder.BuildAsync();
            foreach (var process in processes.Values) process.Follow(app, stop.Token);
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            patience.CancelAfter(TimeSpan.FromMinutes(3));
            var failure = Watch.FirstFailureAsync(app, patience.Token);
            var started = app.StartAsync(patience.Token); // returns once every resource has started, after what it waits for
            if (await Task.WhenAny(started, failure) == failure && failure.IsCompletedSuccessfully)
            {
                var (resource, state) = failure.Result;
                throw new InvalidOperationException($"{resource} {state}:\n{string.Join("\n", await Watch.RecentLogAsync(app, resource, 40))}");
            }
            await started;
            await Task.WhenAll(processes.Values.Select(p => p.WaitReadyAsync()));
            await patience.CancelAsync();
            var chain = new SystemChain(app, ports["anvil"], ChainDeployment.Load(Path.Combine(directory, "chain.json"))!);
            return new TradeChainSystem(app, stop, chain, broker, directory, processes, clock.Elapsed, ports["bank-signer"])
            {
                OwnBroker = ownBroker ? new SystemBroker(app, Path.Combine(directory, "rabbitmq"), ports["amqp"] + 20010) : null,
            };
        }
        catch
        {
            await StopAsync(app, stop, builder); // leave no processes, chain or virtual host behind
            await broker.DisposeAsync();
            throw;
        }
    }

    private static async Task StopAsync(DistributedApplication? app, CancellationTokenSource stop, IAsyncDisposable builder)
    {
        await stop.CancelAsync();
        if (app is not null)
        {
            try { await app.StopAsync(); }
            catch (OperationCanceledException) { }
            await app.DisposeAsync();
        }
        await builder.DisposeAsync();
        stop.Dispose();
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _stop.CancelAsync();
        try { await _app.StopAsync(); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync();
        _stop.Dispose();
        await Broker.DisposeAsync();
        if (OwnBroker is not null) await OwnBroker.StopLeftOverEpmdAsync();
    }
}

/// <summary>The system's anvil (a resource of the model): its address, the deployment on it, and an outage on demand.</summary>
public sealed class SystemChain(DistributedApplication app, int port, ChainDeployment deployment)
{
    public int Port { get; } = port;

    public string RpcUrl => $"http://127.0.0.1:{Port}";

    public ChainDeployment Deployment { get; } = deployment;

    /// <summary>Stops the node (it saves its state on SIGTERM): the chain is down until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync("anvil", KnownResourceCommands.StopCommand);
        if (!result.Success) throw new InvalidOperationException($"anvil could not be stopped: {result.Message}");
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.ResourceNotifications.WaitForResourceAsync("anvil", KnownResourceStates.TerminalStates, patience.Token);
    }

    /// <summary>Freezes the node (SIGSTOP) for <paramref name="duration"/>, or until <paramref name="resumeEarly"/> is cancelled: it accepts connections but answers nothing, like a stalled chain.</summary>
    /// <remarks>Returns once the node is frozen (not async: a failure to freeze it is thrown here, not kept in the task).</remarks>
    public Task StallAsync(TimeSpan duration, CancellationToken resumeEarly = default) =>
        Signals.StallAsync(Watch.ProcessId(app, "anvil") ?? throw new InvalidOperationException("anvil is not running"), duration, resumeEarly);

    /// <summary>Starts the node again on the same port from its saved state: same contracts, same history.</summary>
    public async Task StartAgainAsync()
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync("anvil", KnownResourceCommands.StartCommand);
        if (!result.Success) throw new InvalidOperationException($"anvil could not be started: {result.Message}");
        await AnvilNode.WaitForRpcAsync(RpcUrl);
    }
}

/// <summary>A system's own RabbitMQ node (a resource of the model): killed without warning and started again on demand.</summary>
public sealed class SystemBroker(DistributedApplication app, string stateDir, int epmdPort)
{
    /// <summary>
    /// After the system stopped: an epmd that RabbitMQ's epmd monitor started on the node's port when the model's epmd
    /// stopped first (RabbitMq.StopLeftOverEpmd in the AppHost stops one at the next start on the port; a test's random
    /// port has none). Best effort: epmd refuses while a node is still registered.
    /// </summary>
    public Task StopLeftOverEpmdAsync() => Task.Run(() => Epmd.Kill(epmdPort));

    /// <summary>SIGKILL to the Erlang VM (its pid file; the resource's process is the rabbitmq-server script that waits for it).</summary>
    public async Task KillAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(stateDir, "rabbitmq.pid"))).Trim());
        Signals.Send(pid, Signals.Kill);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.ResourceNotifications.WaitForResourceAsync("rabbitmq", KnownResourceStates.TerminalStates, patience.Token);
    }

    /// <summary>Starts the node again (same state directory: its definitions and durable queues) and waits until AMQP answers.</summary>
    public async Task StartAgainAsync()
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync("rabbitmq", KnownResourceCommands.StartCommand);
        if (!result.Success) throw new InvalidOperationException($"RabbitMQ could not be started: {result.Message}");
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.ResourceNotifications.WaitForResourceHealthyAsync("rabbitmq", patience.Token);
    }
}

/// <summary>POSIX signals by number (kill(2)); .NET has no API to send SIGSTOP or SIGCONT.</summary>
internal static class Signals
{
    public const int Kill = 9, Stop = 19, Continue = 18;

    /// <summary>Freezes process <paramref name="pid"/> (SIGSTOP) for <paramref name="duration"/>, or until <paramref name="resumeEarly"/> is cancelled, then lets it go on (SIGCONT).</summary>
    /// <remarks>
    /// Returns only once every thread of the process has stopped; the task it returns ends when the process goes on. Not
    /// async: a process that did not stop is an exception thrown here (the process let go), never one kept in the task
    /// while the caller goes on against a process that runs.
    /// </remarks>
    public static Task StallAsync(int pid, TimeSpan duration, CancellationToken resumeEarly)
    {
        Send(pid, Stop);
        try
        {
            WaitUntilStopped(pid);
        }
        catch
        {
            Send(pid, Continue);
            throw;
        }
        return ContinueAfterAsync(pid, duration, resumeEarly);
    }

    private static async Task ContinueAfterAsync(int pid, TimeSpan duration, CancellationToken resumeEarly)
    {
        try { await Task.Delay(duration, resumeEarly); }
        catch (OperationCanceledException) when (resumeEarly.IsCancellationRequested) { } // resumed early, as asked
        finally { Send(pid, Continue); }
    }

    /// <summary>
    /// Blocks until every thread of <paramref name="pid"/> is stopped. kill(2) returns once SIGSTOP is queued: one thread of
    /// the process takes it and then stops the others, which run on until then — on a busy machine long enough to answer a
    /// request sent after kill returned (a CI run saw a "stalled" anvil answer the first of three reads). Synchronous, so a
    /// caller holding the stall's unfinished task goes on only with the process frozen.
    /// </summary>
    private static void WaitUntilStopped(int pid)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!EveryThreadStopped(pid))
        {
            if (Environment.TickCount64 > deadline) throw new InvalidOperationException($"process {pid} had not stopped 10 s after SIGSTOP");
            Thread.Sleep(1);
        }
    }

    /// <summary>Whether each thread's state in /proc/&lt;pid&gt;/task/&lt;tid&gt;/stat is stopped (T, t) or ending (Z, X).</summary>
    private static bool EveryThreadStopped(int pid)
    {
        foreach (var thread in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(thread, "stat")); }
            catch (IOException) { continue; } // a thread that ended meanwhile (DirectoryNotFoundException is an IOException)
            // "tid (comm) state ...": the name may hold spaces and parentheses, the state follows its last ')'.
            if (stat[stat.LastIndexOf(')') + 2] is not ('T' or 't' or 'Z' or 'X')) return false;
        }
        return true;
    }

    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>
/// The whole TradeChain system, described once: RabbitMQ (with its own epmd) and anvil as executables (there is no
/// container engine), the contract deployment (the CLI's deploy, which the services wait for), the three services
/// and the console, each run from its build output with its configuration. scripts/run.sh runs it through this
/// project's Program; the tests and the benchmark build the same model with other <see cref="TradeChainSettings"/>
/// (a test's broker virtual host, its own chain and ports, no console).
/// </summary>
public static class TradeChainModel
{
    public static readonly string[] Services = ["customs", "documents", "payments"];

    /// <summary>Anvil's public test mnemonic (account 0 = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266).</summary>
    private const string Mnemonic = "test test test test test test test test test test test junk";

    public static void Add(IDistributedApplicationBuilder builder, TradeChainSettings settings)
    {
        if (settings.Fresh) DeleteState(settings.StateDir);
        RefuseStateOfAnOlderLayout(settings.StateDir);
        Directory.CreateDirectory(Path.Combine(settings.StateDir, "data"));
        if (settings.TestInfrastructure)
        {
            RabbitMq.Add(builder, settings);
            Postgres.Add(builder, settings);
            return;
        }

        var (broker, amqpUrl) = settings.Broker is { Length: > 0 } external ? (null, external) : (RabbitMq.Add(builder, settings), $"amqp://guest:guest@127.0.0.1:{settings.AmqpPort}/");
        var chain = AddChain(builder, settings);
        var rpc = Url(settings.AnvilPort).TrimEnd('/');
        var bankSigner = AddBankSigner(builder, settings);
        var bankSignerUrl = Url(settings.BankSignerPort).TrimEnd('/');

        // The contracts and the services' roles; idempotent given the chain.json of an earlier run on the same chain.
        var deploy = builder.AddExecutable("deploy", "dotnet", settings.CliDirectory,
                "tradechain.dll", "deploy", "--rpc", rpc, "--out", settings.ChainFile)
            .WithParentRelationship(chain)
            .WaitFor(chain);

        var services = new Dictionary<string, IResourceBuilder<ExecutableResource>>();
        foreach (var (name, port) in new[] { ("customs", settings.CustomsPort), ("documents", settings.DocumentsPort), ("payments", settings.PaymentsPort) })
        {
            var project = "TradeChain." + char.ToUpperInvariant(name[0]) + name[1..];
            var service = Web(builder, settings, name, project, port)
                .WithEnvironment("ConnectionStrings__Database", "Data Source=" + Path.Combine(settings.StateDir, "data", name + ".db"))
                .WithEnvironment("ConnectionStrings__RabbitMq", amqpUrl)
                .WithEnvironment("Chain__RpcUrl", rpc)
                .WithEnvironment(context => ChainAddresses(settings, context.EnvironmentVariables))
                .WaitForCompletion(deploy);
            if (broker is not null) service.WaitFor(broker);
            if (name is "payments" or "documents")
            {
                // The banks sign their own steps through their signer; the other parties keep the derived development keys.
                service.WithEnvironment(context =>
                    {
                        foreach (var (key, value) in TradeChain.Ledger.DevelopmentBankSigners.ServiceEnvironment(bankSignerUrl)) context.EnvironmentVariables[key] = value;
                    })
                    .WaitFor(bankSigner);
            }
            services[name] = service;
        }

        if (settings.Console)
        {
            var console = Web(builder, settings, "console", "TradeChain.Console", settings.ConsolePort)
                .WithEnvironment("Services__Customs", Url(settings.CustomsPort))
                .WithEnvironment("Services__Documents", Url(settings.DocumentsPort))
                .WithEnvironment("Services__Payments", Url(settings.PaymentsPort))
                .WithEnvironment("Chain__RpcUrl", rpc)
                .WithEnvironment(context => ChainAddresses(settings, context.EnvironmentVariables, consoleOnly: true));
            foreach (var service in services.Values) console.WaitFor(service);
        }

        if (settings.Demo)
        {
            var demo = builder.AddExecutable("demo", "dotnet", settings.CliDirectory,
                "tradechain.dll", "demo", "--customs", Url(settings.CustomsPort), "--documents", Url(settings.DocumentsPort), "--payments", Url(settings.PaymentsPort));
            foreach (var service in services.Values) demo.WaitFor(service);
        }
    }

    /// <summary>
    /// The layout of the state directory this model makes: bumped when an older chain or database cannot be carried on
    /// (contracts whose ABI changed are reused by the deploy at their recorded addresses; databases without migration history).
    /// </summary>
    private const string Layout = "3: settlement references scoped per bank, titles surrendered to 0x…dEaD\n";

    /// <summary>
    /// A state directory of an older layout would fail service by service, or worse, half work; say it once, before
    /// anything starts, with what to do. A state directory this model made carries the layout in a marker.
    /// </summary>
    /// <summary>
    /// --fresh: deletes the state directory — only one TradeChain made (its layout marker) or an empty one, never a
    /// directory named by mistake (STATE_DIR=~ would otherwise delete a home directory).
    /// </summary>
    public static void DeleteState(string stateDir)
    {
        if (!Directory.Exists(stateDir)) return;
        if (!File.Exists(Path.Combine(stateDir, "layout")) && Directory.EnumerateFileSystemEntries(stateDir).Any())
            throw new InvalidOperationException(
                $"TradeChain:StateDir {stateDir} holds files TradeChain did not make: --fresh would delete them. Give a directory of its own (STATE_DIR).");
        Directory.Delete(stateDir, recursive: true);
    }

    private static void RefuseStateOfAnOlderLayout(string stateDir)
    {
        var marker = Path.Combine(stateDir, "layout");
        var data = Path.Combine(stateDir, "data");
        var databases = Directory.Exists(data) ? Directory.GetFiles(data, "*.db") : [];
        if (databases.Length > 0 && (!File.Exists(marker) || File.ReadAllText(marker) != Layout))
            throw new InvalidOperationException(
                $"{stateDir} was made by an older TradeChain (its contracts or databases predate this version). Start again from an empty chain and empty databases: scripts/run.sh --fresh");
        Directory.CreateDirectory(stateDir);
        File.WriteAllText(marker, Layout);
    }

    private static string Url(int port) => $"http://127.0.0.1:{port}/";

    /// <summary>A service or the console: `dotnet X.dll` from its build output on a fixed port, ready when /health/ready answers.</summary>
    private static IResourceBuilder<ExecutableResource> Web(IDistributedApplicationBuilder builder, TradeChainSettings settings, string name, string project, int port)
    {
        var web = builder.AddExecutable(name, "dotnet", settings.RunDirectory(project, name), project + ".dll")
            // Proxy-less: the port the process listens on is the one everybody uses (Aspire needs Port == TargetPort for that).
            .WithHttpEndpoint(port: port, targetPort: port, isProxied: false)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", settings.Environment)
            .WithEnvironment("Urls", Url(port).TrimEnd('/'))
            .WithHttpHealthCheck("/health/ready");
        return settings.Telemetry ? web.WithOtlpExporter() : web; // traces, logs and metrics to the dashboard
    }

    /// <summary>Anvil with its chain kept in StateDir/anvil (written when it stops on SIGTERM, loaded when it starts).</summary>
    private static IResourceBuilder<ExecutableResource> AddChain(IDistributedApplicationBuilder builder, TradeChainSettings settings)
    {
        if (!File.Exists(settings.AnvilPath))
            throw new InvalidOperationException($"anvil not found at {settings.AnvilPath}: run scripts/run.sh or scripts/test.sh (they install contracts/node_modules)");
        var dir = Directory.CreateDirectory(Path.Combine(settings.StateDir, "anvil")).FullName;
        var rpc = Url(settings.AnvilPort);
        builder.Services.AddHealthChecks().AddCheck("anvil-rpc", new Probes.JsonRpc(rpc));
        string[] args = ["--port", settings.AnvilPort.ToString(), "--host", "127.0.0.1", "--chain-id", "31337", "--accounts", "10",
            "--mnemonic", Mnemonic, "--state", Path.Combine(dir, "anvil-state.json"),
            // No CORS headers: a web page open in the developer's browser cannot drive the chain (anvil_setCode...);
            // the console reads the chain from its server, never from the browser.
            "--no-cors", "--gas-limit", settings.BlockGasLimit.ToString(CultureInfo.InvariantCulture)];
        if (settings.BlockTime > 0) args = [.. args, "--block-time", settings.BlockTime.ToString(CultureInfo.InvariantCulture)];
        return builder.AddExecutable("anvil", settings.AnvilPath, dir, settings.ChainLog ? args : [.. args, "--silent"])
            .WithHttpEndpoint(port: settings.AnvilPort, targetPort: settings.AnvilPort, name: "rpc", isProxied: false)
            .WithHealthCheck("anvil-rpc");
    }

    /// <summary>
    /// The development banks' own signer: a second anvil holding their keys (<see cref="TradeChain.Ledger.DevelopmentBankSigners"/>),
    /// which answers <c>eth_signTransaction</c> for its accounts as a bank's Web3Signer would. It only signs — the
    /// transactions go to the chain above, which has the same chain id — so it mines nothing and keeps no state.
    /// </summary>
    private static IResourceBuilder<ExecutableResource> AddBankSigner(IDistributedApplicationBuilder builder, TradeChainSettings settings)
    {
        var dir = Directory.CreateDirectory(Path.Combine(settings.StateDir, "bank-signer")).FullName;
        builder.Services.AddHealthChecks().AddCheck("bank-signer-rpc", new Probes.JsonRpc(Url(settings.BankSignerPort)));
        string[] args = ["--port", settings.BankSignerPort.ToString(), "--host", "127.0.0.1", "--chain-id", "31337",
            "--accounts", TradeChain.Ledger.DevelopmentBankSigners.AccountCount.ToString(), "--mnemonic", TradeChain.Ledger.DevelopmentBankSigners.Mnemonic,
            "--no-mining", "--no-cors"];
        return builder.AddExecutable("bank-signer", settings.AnvilPath, dir, settings.ChainLog ? args : [.. args, "--silent"])
            .WithHttpEndpoint(port: settings.BankSignerPort, targetPort: settings.BankSignerPort, name: "rpc", isProxied: false)
            .WithHealthCheck("bank-signer-rpc");
    }

    /// <summary>
    /// The deployment's addresses as the services read them (Chain:DocumentStoreAddress, Chain:Settlement:USD:Token, ...),
    /// from the chain.json the deploy step wrote; evaluated when a service starts, which is after the deploy completed.
    /// </summary>
    private static void ChainAddresses(TradeChainSettings settings, IDictionary<string, object> environment, bool consoleOnly = false)
    {
        var deployment = JsonNode.Parse(File.ReadAllText(settings.ChainFile))!;
        environment["Chain__TransitionAnchorAddress"] = (string)deployment["transitionAnchorAddress"]!;
        if (consoleOnly) return;
        environment["Chain__DocumentStoreAddress"] = (string)deployment["documentStoreAddress"]!;
        environment["Chain__TitleRegistryAddress"] = (string?)deployment["titleRegistryAddress"] ?? "";
        foreach (var (currency, contracts) in deployment["settlement"]?.AsObject() ?? [])
        {
            environment[$"Chain__Settlement__{currency}__Token"] = (string)contracts!["token"]!;
            environment[$"Chain__Settlement__{currency}__Escrow"] = (string)contracts["escrow"]!;
        }
    }
}

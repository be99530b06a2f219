using Microsoft.Extensions.Configuration;

namespace TradeChain.AppHost;

/// <summary>
/// What differs between a user's run, a test and the benchmark; everything else is the model. Read from the
/// configuration section <c>TradeChain</c> (command line <c>TradeChain:ConsolePort=5100</c>, or
/// <c>TradeChain__ConsolePort</c> in the environment).
/// </summary>
public sealed class TradeChainSettings
{
    /// <summary>The repository: the services, the CLI and anvil are run from here.</summary>
    public string RepoRoot { get; set; } = FindRepoRoot();

    /// <summary>Release or Debug: the build output the services, the console and the CLI run from.</summary>
    public string Configuration { get; set; } = OwnConfiguration();

    /// <summary>Everything the system keeps: data/*.db, chain.json, anvil/ (the chain), rabbitmq/.</summary>
    public string StateDir { get; set; } = "";

    /// <summary>Start from an empty chain and empty databases: deletes <see cref="StateDir"/> first.</summary>
    public bool Fresh { get; set; }

    public int ConsolePort { get; set; } = 5100;

    public int CustomsPort { get; set; } = 5101;

    public int DocumentsPort { get; set; } = 5102;

    public int PaymentsPort { get; set; } = 5103;

    public int AnvilPort { get; set; } = 8545;

    /// <summary>
    /// Seconds between anvil's blocks, as a permissioned chain's block period (Besu QBFT: 1–2 s); 0 (the default) mines a
    /// block for each transaction as it arrives (automine).
    /// </summary>
    public int BlockTime { get; set; }

    /// <summary>
    /// anvil's block gas limit: by default the production chain's (deploy/k8s/base/besu/genesis.json, <c>gasLimit</c>
    /// 0x1fffffffffffff, which Besu keeps for every block as no target gas limit is configured), so that what fits in one
    /// block here is what fits there. With anvil's own default, 30,000,000, and a block period, a block took five of a
    /// bank's settlement batches of 100 (5 × 5.6 M gas); a sixth waited for the next block. A chain loaded from a state
    /// saved earlier (StateDir/anvil) keeps the gas limit it was saved with — anvil restores its block settings from the
    /// state file — so a development chain made before this setting stays at 30 M until StateDir/anvil is removed.
    /// </summary>
    public long BlockGasLimit { get; set; } = ProductionBlockGasLimit;

    /// <summary>
    /// The block gas limit of the deployment's genesis: <c>EndToEndTests.An_export_trade_goes_from_documents_to_release...</c>
    /// checks the running anvil's against deploy/k8s/base/besu/genesis.json.
    /// </summary>
    public const long ProductionBlockGasLimit = 0x1fffffffffffff;

    /// <summary>The development banks' own signer (a second anvil holding their keys, see <c>DevelopmentBankSigners</c>).</summary>
    public int BankSignerPort { get; set; } = 8546;

    public int AmqpPort { get; set; } = 5672;

    public int RabbitManagementPort { get; set; } = 15672;

    /// <summary>PostgreSQL's port (the test infrastructure only: the services use SQLite unless told otherwise).</summary>
    public int PostgresPort { get; set; } = 55433;

    /// <summary>
    /// Only what the tests share (scripts/test.sh, bench/run.sh): a RabbitMQ with the management API, on which each test
    /// makes its own virtual host, and a PostgreSQL; each test then builds its own system from this model.
    /// </summary>
    public bool TestInfrastructure { get; set; }

    /// <summary>An AMQP URL (e.g. a test's own virtual host): use that broker instead of starting RabbitMQ.</summary>
    public string? Broker { get; set; }

    /// <summary>False: only the three services, no console.</summary>
    public bool Console { get; set; } = true;

    /// <summary>Drive one export trade through the services once they are up (the CLI's demo).</summary>
    public bool Demo { get; set; }

    /// <summary>False: anvil logs nothing per request (tests and the benchmark make thousands).</summary>
    public bool ChainLog { get; set; } = true;

    /// <summary>False: the services send no telemetry (tests have no dashboard to send it to).</summary>
    public bool Telemetry { get; set; } = true;

    /// <summary>Set by the tests' system: Aspire's test host runs Program, and the test starts and stops the application itself.</summary>
    public bool HostedByTests { get; set; }

    /// <summary>The environment the services and the console run in.</summary>
    public string Environment { get; set; } = "Development";

    /// <summary>The build output of a service (services/customs/TradeChain.Customs/bin/...) or of the CLI (tools/TradeChain.Cli/bin/...).</summary>
    public string RunDirectory(string project, string? service = null) =>
        Path.Combine(service is null ? Path.Combine(RepoRoot, "tools", project) : Path.Combine(RepoRoot, "services", service, project), "bin", Configuration, "net10.0");

    public string CliDirectory => RunDirectory("TradeChain.Cli");

    public string AnvilPath => Path.Combine(RepoRoot, "contracts", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    public string ChainFile => Path.Combine(StateDir, "chain.json");

    public static TradeChainSettings From(IConfiguration configuration)
    {
        var settings = new TradeChainSettings();
        configuration.GetSection("TradeChain").Bind(settings);
        settings.StateDir = Path.GetFullPath(settings.StateDir is { Length: > 0 } dir ? dir : Path.Combine(settings.RepoRoot, ".run"));
        return settings;
    }

    private static string OwnConfiguration() =>
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name is var c && c is "Debug" or "Release" ? c : "Release";

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TradeChain.sln"))) return dir.FullName;
        throw new InvalidOperationException("TradeChain.sln not found above " + AppContext.BaseDirectory);
    }
}

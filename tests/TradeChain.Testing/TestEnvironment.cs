using System.Net;
using System.Net.Sockets;

namespace TradeChain.Testing;

/// <summary>Where the repository, its tools and the test broker are.</summary>
public static class TestEnvironment
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Debug or Release: the configuration this test assembly was built in, so the services run from the same build.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name is var c && c is "Debug" or "Release" ? c : "Debug";

    public static string AnvilPath => Path.Combine(RepoRoot, "contracts", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    /// <summary>The real RabbitMQ of the test command (scripts/test.sh runs the AppHost's test infrastructure); each test gets its own virtual host on it.</summary>
    public static Uri RabbitAmqp { get; } = new(Environment.GetEnvironmentVariable("TRADECHAIN_TEST_AMQP") ?? "amqp://guest:guest@127.0.0.1:5673/");

    public static Uri RabbitManagement { get; } = new(Environment.GetEnvironmentVariable("TRADECHAIN_TEST_RABBIT_MGMT") ?? "http://127.0.0.1:15673/");

    public static string ServiceDll(string service, string project) =>
        Path.Combine(RepoRoot, "services", service, project, "bin", Configuration, "net10.0", project + ".dll");

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// Ports handed out by any test process of this checkout (the test projects run side by side): a file per port, created
    /// exclusively. Reservations older than a test run are cleared once per process.
    /// </summary>
    private static readonly Lazy<string> Reservations = new(() =>
    {
        var dir = Path.Combine(RepoRoot, ".test-run", "ports");
        Directory.CreateDirectory(dir);
        foreach (var file in new DirectoryInfo(dir).EnumerateFiles())
        {
            try { if (file.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-3)) file.Delete(); }
            catch (IOException) { }
        }
        return dir;
    });

    /// <summary>
    /// A free port for a server of a test, never handed out twice by the test processes of this checkout, taken below the
    /// kernel's ephemeral range (32768–60999) and above BrokerPort's. Asking the kernel for port 0 and closing it (as this
    /// did) can give two servers of one system the same port — the kernel may hand a closed port out again — and an outgoing
    /// connection may take an ephemeral port before the server binds it: CI once saw customs' POST /declarations answered 404
    /// by another service that had bound customs' port first.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(13_000, 20_000);
            if (TryReserve(port)) return port;
        }
        throw new InvalidOperationException("no free port between 13000 and 20000 that no test process has handed out already");
    }

    /// <summary>
    /// A free AMQP port for a node of the system's own whose Erlang distribution port (+20000) and epmd port (+20010), which
    /// the model derives from it (RabbitMq.cs), are valid and free too, all three below the kernel's ephemeral range.
    /// </summary>
    public static int BrokerPort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(10_000, 12_700);
            if (TryReserve(port, port + 20_000, port + 20_010)) return port;
        }
        throw new InvalidOperationException("no free port for RabbitMQ between 10000 and 12700 (with +20000 and +20010 free too)");
    }

    /// <summary>Reserves the ports together, in this process and for the other test processes, if every one is free now.</summary>
    private static bool TryReserve(params int[] ports)
    {
        lock (HandedOut)
        {
            if (ports.Any(p => HandedOut.Contains(p) || !IsFree(p))) return false;
            var created = new List<string>();
            foreach (var port in ports)
            {
                var file = Path.Combine(Reservations.Value, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                try
                {
                    Directory.CreateDirectory(Reservations.Value); // again, should another run of the test command have cleared it
                    using (new FileStream(file, FileMode.CreateNew, FileAccess.Write)) { }
                    created.Add(file);
                }
                catch (IOException)
                {
                    // Another test process holds it (or held it within the last hours): give back what was taken here.
                    foreach (var taken in created) File.Delete(taken);
                    return false;
                }
            }
            HandedOut.UnionWith(ports);
            return true;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException) { return false; }
    }

    public static string NewTempDirectory(string purpose)
    {
        var dir = Path.Combine(RepoRoot, ".test-run", $"{purpose}-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TradeChain.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("TradeChain.sln not found above " + AppContext.BaseDirectory);
    }
}

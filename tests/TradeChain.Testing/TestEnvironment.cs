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
    /// A free port for a server of a test, never the same twice in this process, taken below the kernel's ephemeral range
    /// (32768–60999) and below BrokerPort's. Asking the kernel for port 0 and closing it (as this did) can give two servers of
    /// one system the same port — the kernel may hand a closed port out again — and an outgoing connection may take an
    /// ephemeral port before the server binds it: CI once saw customs' POST /declarations answered 404 by another service
    /// that had bound customs' port first.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(10_000, 20_000);
            lock (HandedOut)
            {
                if (HandedOut.Contains(port) || !IsFree(port)) continue;
                HandedOut.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException("no free port between 10000 and 20000 that this process has not handed out already");
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

    /// <summary>
    /// A free AMQP port for a node of the system's own whose Erlang distribution port (+20000) and epmd port (+20010), which
    /// the model derives from it (RabbitMq.cs), are valid and free too: the kernel's ephemeral ports (up to 60999) are not.
    /// </summary>
    public static int BrokerPort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, 45_000);
            lock (HandedOut)
            {
                if (new[] { port, port + 20_000, port + 20_010 }.Any(p => HandedOut.Contains(p) || !IsFree(p))) continue;
                HandedOut.UnionWith([port, port + 20_000, port + 20_010]);
                return port;
            }
        }
        throw new InvalidOperationException("no free port for RabbitMQ between 20000 and 45000 (with +20000 and +20010 free too)");
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

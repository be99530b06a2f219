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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
            if (new[] { port, port + 20_000, port + 20_010 }.All(IsFree)) return port;
        }
        throw new InvalidOperationException("no free port for RabbitMQ between 20000 and 45000 (with +20000 and +20010 free too)");

        static bool IsFree(int port)
        {
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (System.Net.Sockets.SocketException) { return false; }
        }
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

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

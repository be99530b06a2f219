using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Runtime.Versioning;
using Npgsql;
using TradeChain.AppHost;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The test command's own servers (the AppHost's test infrastructure) wherever a user clones: a checkout inside a directory
/// only its owner may enter (a home directory with mode 700, /root) still gets its PostgreSQL, although as root the server
/// runs as the postgres user.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TestInfrastructureTests
{
    [Fact]
    public async Task PostgreSQL_starts_for_a_checkout_in_a_directory_only_its_owner_may_enter()
    {
        var home = Path.Combine(TestEnvironment.NewTempDirectory("private-home"), "home");
        Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // mode 700
        var postgresPort = TestEnvironment.FreePort();
        string[] args =
        [
            "TradeChain:TestInfrastructure=true", "TradeChain:HostedByTests=true", $"TradeChain:StateDir={Path.Combine(home, "checkout", ".test-run")}",
            $"TradeChain:Configuration={TestEnvironment.Configuration}", $"TradeChain:PostgresPort={postgresPort}",
            $"TradeChain:AmqpPort={TestEnvironment.BrokerPort()}", $"TradeChain:RabbitManagementPort={TestEnvironment.FreePort()}",
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync(typeof(TradeChainModel).Assembly.EntryPoint!.DeclaringType!, args,
            (options, _) => options.DisableDashboard = true);
        builder.Services.AddLogging(logging => logging.ClearProviders());
        await using var app = await builder.BuildAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var failure = Watch.FirstFailureAsync(app, patience.Token);
        var healthy = StartedAndHealthyAsync();
        if (await Task.WhenAny(healthy, failure) == failure && failure.IsCompletedSuccessfully)
        {
            var (resource, state) = await failure;
            Assert.Fail($"{resource} {state}:\n{string.Join("\n", await Watch.RecentLogAsync(app, resource, 40))}");
        }
        await healthy;

        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={postgresPort};Username=postgres;Database=postgres");
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("CREATE DATABASE tradechain_probe", connection);
        await query.ExecuteNonQueryAsync();
        await app.StopAsync();
        // As root the cluster lives outside the checkout, where the postgres user can reach it: named in the state directory.
        var cluster = Path.Combine(home, "checkout", ".test-run", "postgres", "cluster");
        if (File.Exists(cluster)) Directory.Delete(File.ReadAllText(cluster).Trim(), recursive: true);

        async Task StartedAndHealthyAsync()
        {
            await app.StartAsync(patience.Token); // returns after what PostgreSQL waits for (initdb) has completed
            await app.ResourceNotifications.WaitForResourceHealthyAsync("postgres", patience.Token);
        }
    }
}

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
        await using var app = await StartAsync(args, "postgres");
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={postgresPort};Username=postgres;Database=postgres");
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("CREATE DATABASE tradechain_probe", connection);
        await query.ExecuteNonQueryAsync();
        await app.StopAsync();
        // As root the cluster lives outside the checkout, where the postgres user can reach it: named in the state directory.
        var cluster = Path.Combine(home, "checkout", ".test-run", "postgres", "cluster");
        if (File.Exists(cluster)) Directory.Delete(File.ReadAllText(cluster).Trim(), recursive: true);
    }

    /// <summary>
    /// RabbitMQ's epmd monitor starts a daemon epmd on the node's epmd port when it finds its epmd gone while the node still
    /// runs — as when the system is stopped and the epmd resource goes first. That daemon outlived the run and kept the next
    /// start's epmd, and so RabbitMQ, from coming up ("the test infrastructure did not come up"); the model now stops it.
    /// </summary>
    [Fact]
    public async Task RabbitMQ_starts_where_an_earlier_run_left_a_daemon_epmd_on_its_port()
    {
        var amqpPort = TestEnvironment.BrokerPort();
        try
        {
            await StartDaemonEpmdAsync(amqpPort + 20010); // as the monitor leaves it: no node registered
            for (var waited = 0; waited < 50 && !Epmd.Listening(amqpPort + 20010); waited++) await Task.Delay(100);
            Assert.True(Epmd.Listening(amqpPort + 20010), "the left-over epmd did not start");
            string[] args =
            [
                "TradeChain:TestInfrastructure=true", "TradeChain:HostedByTests=true", $"TradeChain:StateDir={TestEnvironment.NewTempDirectory("left-over-epmd")}",
                $"TradeChain:Configuration={TestEnvironment.Configuration}", $"TradeChain:PostgresPort={TestEnvironment.FreePort()}",
                $"TradeChain:AmqpPort={amqpPort}", $"TradeChain:RabbitManagementPort={TestEnvironment.FreePort()}",
            ];
            await using var app = await StartAsync(args, "rabbitmq"); // healthy: it takes AMQP connections
            // The node registered with the model's own epmd, which stops with the system — not with the left-over daemon
            // (beside which the model's epmd exits at once, "already running", and RabbitMQ's wait for it may fail).
            var epmd = app.ResourceNotifications.TryGetCurrentState("epmd", out var e) ? e.Snapshot.State?.Text : null;
            Assert.Equal(KnownResourceStates.Running, epmd);
            await app.StopAsync();
        }
        finally
        {
            Epmd.Kill(amqpPort + 20010); // whatever is left there, whether the test passed or not
        }
    }

    /// <summary>Builds and starts the AppHost's model with <paramref name="args"/>; fails with the first resource that failed and its log.</summary>
    private static async Task<DistributedApplication> StartAsync(string[] args, string healthyResource)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync(typeof(TradeChainModel).Assembly.EntryPoint!.DeclaringType!, args,
            (options, _) => options.DisableDashboard = true);
        builder.Services.AddLogging(logging => logging.ClearProviders());
        var app = await builder.BuildAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            var failure = Watch.FirstFailureAsync(app, patience.Token);
            var healthy = StartedAndHealthyAsync();
            if (await Task.WhenAny(healthy, failure) == failure && failure.IsCompletedSuccessfully)
            {
                var (resource, state) = await failure;
                Assert.Fail($"{resource} {state}:\n{string.Join("\n", await Watch.RecentLogAsync(app, resource, 40))}");
            }
            await healthy;
            return app;
        }
        catch
        {
            await app.DisposeAsync(); // leave no RabbitMQ or PostgreSQL running after a failed start
            throw;
        }

        async Task StartedAndHealthyAsync()
        {
            await app.StartAsync(patience.Token); // returns after what the resources wait for (initdb) has completed
            await app.ResourceNotifications.WaitForResourceHealthyAsync(healthyResource, patience.Token);
        }
    }

    private static async Task StartDaemonEpmdAsync(int port)
    {
        using var epmd = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("epmd", ["-daemon", "-port", port.ToString()])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        await epmd.WaitForExitAsync();
    }
}

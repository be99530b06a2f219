using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>
/// A private RabbitMQ node (tc&lt;amqp port&gt;@localhost) run as the calling user from Debian's package, all its state
/// in StateDir/rabbitmq, with the management UI; and its own epmd in the foreground, so that stopping the system
/// leaves no Erlang port mapper behind (the node would otherwise start a daemon epmd that outlives it) — unless that epmd
/// stops before the node and RabbitMQ starts a daemon after all, which the next start stops (<see cref="StopLeftOverEpmd"/>).
/// </summary>
internal static class RabbitMq
{
    private const string BinDir = "/usr/lib/rabbitmq/bin";

    public static IResourceBuilder<ExecutableResource> Add(IDistributedApplicationBuilder builder, TradeChainSettings settings)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("RabbitMQ is run from Debian's package: Linux only");
        if (!File.Exists(Path.Combine(BinDir, "rabbitmq-server")))
            throw new InvalidOperationException($"RabbitMQ is not installed ({BinDir}/rabbitmq-server missing): run scripts/run.sh, which installs it");
        // Private to the user: it holds the Erlang cookie (whoever reads it controls the node) and crash dumps.
        var dir = Directory.CreateDirectory(Path.Combine(settings.StateDir, "rabbitmq"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var port = settings.AmqpPort;
        if (port is < 1 or > 65535 - 20010)
            throw new InvalidOperationException($"TradeChain:AmqpPort {port} must be between 1 and {65535 - 20010}: the node's distribution port (+20000) and epmd port (+20010) are derived from it");
        var epmdPort = (port + 20010).ToString(); // beside the distribution port, port + 20000, of this and other tc nodes
        StopLeftOverEpmd(port + 20010);
        WriteConfiguration(dir, port, settings.RabbitManagementPort);

        builder.Services.AddHealthChecks()
            .AddCheck("epmd", new Probes.Tcp(port + 20010))
            .AddCheck("rabbitmq-amqp", new Probes.Amqp(port));
        // Everything Erlang listens on stays on the loopback interface: epmd, the distribution port and AMQP.
        var epmd = builder.AddExecutable("epmd", "epmd", dir, "-port", epmdPort, "-address", "127.0.0.1")
            .WithEnvironment("ERL_EPMD_ADDRESS", "127.0.0.1")
            .WithHealthCheck("epmd");
        return builder.AddExecutable("rabbitmq", Path.Combine(BinDir, "rabbitmq-server"), dir)
            .WithEnvironment("HOME", dir) // the server and rabbitmqctl share the node's private cookie, dir/.erlang.cookie
            .WithEnvironment("ERL_CRASH_DUMP", Path.Combine(dir, "erl_crash.dump"))
            .WithEnvironment("ERL_EPMD_PORT", epmdPort)
            .WithEnvironment("ERL_EPMD_ADDRESS", "127.0.0.1")
            .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}")
            .WithEnvironment("RABBITMQ_MNESIA_BASE", Path.Combine(dir, "mnesia"))
            .WithEnvironment("RABBITMQ_LOG_BASE", Path.Combine(dir, "log"))
            .WithEnvironment("RABBITMQ_LOGS", "-") // to the dashboard's console log
            .WithEnvironment("RABBITMQ_NODENAME", "tc" + port + "@localhost")
            .WithEnvironment("RABBITMQ_NODE_PORT", port.ToString())
            .WithEnvironment("RABBITMQ_DIST_PORT", (port + 20000).ToString())
            .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", Path.Combine(dir, "enabled_plugins"))
            .WithEnvironment("RABBITMQ_CONFIG_FILE", Path.Combine(dir, "rabbitmq.conf"))
            .WithEnvironment("RABBITMQ_ADVANCED_CONFIG_FILE", Path.Combine(dir, "advanced.config"))
            .WithEnvironment("RABBITMQ_CONF_ENV_FILE", Path.Combine(dir, "rabbitmq-env.conf")) // empty: nothing in /etc/rabbitmq applies
            .WithEnvironment("RABBITMQ_PID_FILE", Path.Combine(dir, "rabbitmq.pid"))
            .WithEndpoint(port: port, targetPort: port, scheme: "amqp", name: "amqp", isProxied: false)
            .WithHttpEndpoint(port: settings.RabbitManagementPort, targetPort: settings.RabbitManagementPort, name: "management", isProxied: false)
            .WithHealthCheck("rabbitmq-amqp")
            .WaitFor(epmd);
    }

    /// <summary>
    /// Stops an epmd that an earlier run left on this node's epmd port, which would keep the model's own epmd from
    /// starting (and RabbitMQ, which waits for it, with it). RabbitMQ's epmd monitor starts such a daemon itself when it
    /// finds its epmd gone while the node still runs — as when the system is stopped and the epmd resource goes first.
    /// <c>epmd -kill</c> stops an epmd only when no node is registered with it, so the epmd of a node that still runs
    /// there is left alone, and so is anything else on the port: both are then named in the error. It does not ask whose
    /// epmd it is: one on this port with no node registered is taken for a left-over (another system on the same AMQP
    /// port could not run beside this one anyway). (Stopping RabbitMQ
    /// before its epmd instead would need an order in DCP's shutdown, which stops every resource at once.)
    /// </summary>
    private static void StopLeftOverEpmd(int epmdPort)
    {
        if (!Epmd.Listening(epmdPort)) return;
        var answer = Epmd.Kill(epmdPort);
        for (var waited = 0; waited < 50 && Epmd.Listening(epmdPort); waited++) Thread.Sleep(100);
        if (Epmd.Listening(epmdPort))
            throw new InvalidOperationException(
                $"RabbitMQ's epmd port {epmdPort} (TradeChain:AmqpPort + 20010) is in use and what listens there was not stopped " +
                $"(epmd -kill answered \"{answer}\"): another TradeChain RabbitMQ on this AMQP port, or another program. " +
                "Stop it, or choose another TradeChain:AmqpPort");
        Console.Error.WriteLine($"Stopped an epmd left on port {epmdPort} by an earlier run ({answer})");
    }

    private static void WriteConfiguration(string dir, int port, int managementPort)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("RabbitMQ is run from Debian's package: Linux only");
        var cookie = Path.Combine(dir, ".erlang.cookie");
        if (!File.Exists(cookie))
        {
            // Created readable by its owner only (never world-readable, not even for a moment), from a cryptographic source.
            using (var file = new FileStream(cookie, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            using (var writer = new StreamWriter(file))
                writer.Write(System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 20));
            File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        }
        File.WriteAllText(Path.Combine(dir, "rabbitmq-env.conf"), "");
        File.WriteAllText(Path.Combine(dir, "rabbitmq.conf"), $"""
            # written by the AppHost (RabbitMq.cs) on every start
            listeners.tcp.1 = 127.0.0.1:{port}
            loopback_users.guest = true
            management.tcp.port = {managementPort}
            management.tcp.ip = 127.0.0.1

            """);
        File.WriteAllText(Path.Combine(dir, "enabled_plugins"), "[rabbitmq_management].\n");
    }
}

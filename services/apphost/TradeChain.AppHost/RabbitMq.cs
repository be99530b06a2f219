using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>
/// A private RabbitMQ node (tc&lt;amqp port&gt;@localhost) run as the calling user from Debian's package, all its state
/// in StateDir/rabbitmq, with the management UI; and its own epmd in the foreground, so that stopping the system
/// leaves no Erlang port mapper behind (the node would otherwise start a daemon epmd that outlives it).
/// </summary>
internal static class RabbitMq
{
    private const string BinDir = "/usr/lib/rabbitmq/bin";

    public static IResourceBuilder<ExecutableResource> Add(IDistributedApplicationBuilder builder, TradeChainSettings settings)
    {
        if (!File.Exists(Path.Combine(BinDir, "rabbitmq-server")))
            throw new InvalidOperationException($"RabbitMQ is not installed ({BinDir}/rabbitmq-server missing): run scripts/run.sh, which installs it");
        var dir = Directory.CreateDirectory(Path.Combine(settings.StateDir, "rabbitmq")).FullName;
        var port = settings.AmqpPort;
        var epmdPort = (port + 20010).ToString(); // beside the distribution port, port + 20000, of this and other tc nodes
        WriteConfiguration(dir, port, settings.RabbitManagementPort);

        builder.Services.AddHealthChecks()
            .AddCheck("epmd", new Probes.Tcp(port + 20010))
            .AddCheck("rabbitmq-amqp", new Probes.Amqp(port));
        var epmd = builder.AddExecutable("epmd", "epmd", dir, "-port", epmdPort)
            .WithHealthCheck("epmd");
        return builder.AddExecutable("rabbitmq", Path.Combine(BinDir, "rabbitmq-server"), dir)
            .WithEnvironment("HOME", dir) // the server and rabbitmqctl share the node's private cookie, dir/.erlang.cookie
            .WithEnvironment("ERL_CRASH_DUMP", Path.Combine(dir, "erl_crash.dump"))
            .WithEnvironment("ERL_EPMD_PORT", epmdPort)
            .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-start_epmd false")
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

    private static void WriteConfiguration(string dir, int port, int managementPort)
    {
        var cookie = Path.Combine(dir, ".erlang.cookie");
        if (!File.Exists(cookie))
        {
            File.WriteAllText(cookie, new string(Enumerable.Range(0, 20).Select(_ => (char)('A' + Random.Shared.Next(26))).ToArray()));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        }
        File.WriteAllText(Path.Combine(dir, "rabbitmq-env.conf"), "");
        File.WriteAllText(Path.Combine(dir, "rabbitmq.conf"), $"""
            # written by the AppHost (RabbitMq.cs) on every start
            listeners.tcp.default = {port}
            loopback_users.guest = true
            management.tcp.port = {managementPort}
            management.tcp.ip = 127.0.0.1

            """);
        File.WriteAllText(Path.Combine(dir, "enabled_plugins"), "[rabbitmq_management].\n");
    }
}

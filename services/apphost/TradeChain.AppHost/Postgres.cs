using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>
/// A private PostgreSQL cluster from Debian's package (for the tests: every service's database on the production engine),
/// on 127.0.0.1 only with trust authentication for the user postgres. Its cluster lives in StateDir/postgres. initdb and the
/// server refuse to run as root: as root they run as the postgres user (setpriv execs, so the server gets the stop signal itself),
/// who may not be able to enter the checkout (a home directory with mode 700, such as /root), so then the cluster lives in a
/// directory of its own under /var/tmp, named in StateDir/postgres/cluster and started afresh with the state directory.
/// </summary>
internal static class Postgres
{
    public static IResourceBuilder<ExecutableResource> Add(IDistributedApplicationBuilder builder, TradeChainSettings settings)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).LastOrDefault()
            : null;
        if (bin is null) throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres): run scripts/test.sh, which installs it");
        var root = Environment.UserName == "root";
        var dir = root && OperatingSystem.IsLinux() ? ClusterDirectoryForPostgresUser(settings.StateDir) : Directory.CreateDirectory(Path.Combine(settings.StateDir, "postgres")).FullName;
        var data = Path.Combine(dir, "data");
        string[] AsPostgres(string program, params string[] args) =>
            root ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", Path.Combine(bin, program), .. args] : [Path.Combine(bin, program), .. args];

        builder.Services.AddHealthChecks().AddCheck("postgres-session", new Probes.Postgres(settings.PostgresPort));
        var server = AsPostgres("postgres", "-D", data, "-p", settings.PostgresPort.ToString(), "-k", dir, "-c", "listen_addresses=127.0.0.1",
            // The tests share this server, two test classes at a time, each service with its own pool: room above the default 100.
            "-c", "max_connections=300");
        var postgres = builder.AddExecutable("postgres", server[0], dir, server[1..])
            .WithEndpoint(port: settings.PostgresPort, targetPort: settings.PostgresPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck("postgres-session");
        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            // A new cluster: the data directory belongs to the user the server runs as.
            var init = AsPostgres("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8");
            var command = (root ? $"chown postgres '{dir}' && " : "") + string.Join(' ', init.Select(a => $"'{a}'"));
            var initdb = builder.AddExecutable("postgres-initdb", "sh", dir, "-c", command).WithParentRelationship(postgres);
            postgres.WaitForCompletion(initdb);
        }
        return postgres;
    }

    /// <summary>
    /// A directory the postgres user can reach whatever the checkout's permissions: /var/tmp/tradechain-postgres-{hash of the
    /// state directory}. Recorded in StateDir/postgres/cluster; a state directory without that record (new, or deleted for a
    /// fresh start) gets an empty one, as StateDir/postgres itself would be.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static string ClusterDirectoryForPostgresUser(string stateDir)
    {
        var record = Path.Combine(Directory.CreateDirectory(Path.Combine(stateDir, "postgres")).FullName, "cluster");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(stateDir))))[..16];
        var dir = Path.Combine("/var/tmp", $"tradechain-postgres-{hash}");
        if (!File.Exists(record) && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(record, dir + "\n");
        return dir;
    }
}

using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>
/// A private PostgreSQL cluster from Debian's package (for the tests: every service's database on the production engine),
/// all its state in StateDir/postgres, on 127.0.0.1 only with trust authentication for the user postgres. initdb and the
/// server refuse to run as root: as root they run as the postgres user (setpriv execs, so the server gets the stop signal itself).
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
        var dir = Directory.CreateDirectory(Path.Combine(settings.StateDir, "postgres")).FullName;
        var data = Path.Combine(dir, "data");
        var root = Environment.UserName == "root";
        string[] AsPostgres(string program, params string[] args) =>
            root ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", Path.Combine(bin, program), .. args] : [Path.Combine(bin, program), .. args];

        builder.Services.AddHealthChecks().AddCheck("postgres-tcp", new Probes.Tcp(settings.PostgresPort));
        var server = AsPostgres("postgres", "-D", data, "-p", settings.PostgresPort.ToString(), "-k", dir, "-c", "listen_addresses=127.0.0.1");
        var postgres = builder.AddExecutable("postgres", server[0], dir, server[1..])
            .WithEndpoint(port: settings.PostgresPort, targetPort: settings.PostgresPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck("postgres-tcp");
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
}

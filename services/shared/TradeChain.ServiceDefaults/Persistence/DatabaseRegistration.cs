using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.ServiceDefaults.Persistence;

public static class DatabaseRegistration
{
    /// <summary>
    /// Registers the service's database from ConnectionStrings:Database: a SQLite file by default,
    /// PostgreSQL when the connection string names a Host. The schema is migrated on start.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder)
        where TContext : ServiceDbContext
    {
        var connectionString = builder.Configuration.GetConnectionString("Database")
            ?? throw new InvalidOperationException("ConnectionStrings:Database is not configured.");
        if (DatabaseProviders.Of(connectionString) == DatabaseProvider.Sqlite) connectionString = PrepareSqlite(connectionString);
        var synchronous = SqlitePragmas.ReadSetting(builder.Configuration[SqlitePragmas.SynchronousSetting]);

        builder.Services.AddSingleton<WorkSignal>();
        builder.Services.AddSingleton(_ => new RecordChanges());
        builder.Services.AddSingleton<ListChanges>();
        builder.Services.AddSingleton<WorkSignalInterceptor>();
        // Pooled: each request or message gets a context an earlier unit of work returned (EF resets it), not a new one that
        // sets up EF's services again (5-6 % of each service's CPU under load, bench/README). The pool makes a context from
        // its options alone, hence RecordChangesExtension. The options are built once.
        builder.Services.AddDbContextPool<TContext>((sp, options) =>
            options.UseServiceDatabase(connectionString, synchronous, sp.GetRequiredService<WorkSignal>(), sp.GetRequiredService<RecordChanges>())
                .AddInterceptors(sp.GetRequiredService<WorkSignalInterceptor>()), poolSize: ContextPoolSize);
        builder.Services.AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<TContext>());
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>("database", tags: [Telemetry.HealthTags.Ready]);
        builder.Services.AddHostedService<DatabaseInitializer<TContext>>();
        return builder;
    }

    /// <summary>
    /// The provider the connection string names (SQLite, or PostgreSQL when it names a Host), with that provider's
    /// migrations (<see cref="ProviderMigrationsAssembly"/>). Services, tests and dotnet-ef all configure a service
    /// context through here, so each sees the same migration set. On SQLite every connection gets a write-lock wait (<see cref="SqliteWriteWait"/>) and
    /// <paramref name="synchronous"/> (<see cref="SqlitePragmas"/>). Every context announces what a transaction recorded
    /// when it commits (<see cref="TransactionEndInterceptor"/>), waking <paramref name="workers"/> too when given, and the
    /// long-polls following its records through <paramref name="changes"/> when given (<see cref="RecordChangesExtension"/>).
    /// </summary>
    public static TBuilder UseServiceDatabase<TBuilder>(this TBuilder options, string connectionString,
        SqliteSynchronous synchronous = SqliteSynchronous.Normal, WorkSignal? workers = null, RecordChanges? changes = null) where TBuilder : DbContextOptionsBuilder
    {
        if (changes is not null) ((IDbContextOptionsBuilderInfrastructure)options).AddOrUpdateExtension(new RecordChangesExtension(changes));
        if (DatabaseProviders.Of(connectionString) == DatabaseProvider.Postgres) options.UseNpgsql(WithPoolBound(connectionString));
        else options.UseSqlite(connectionString).AddInterceptors(SqlitePragmas.For(synchronous));
        options.AddInterceptors(workers is null ? TransactionEndInterceptor.WithoutWorkers : new TransactionEndInterceptor(workers));
        options.ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>();
        return options;
    }

    /// <summary>
    /// The most contexts a process keeps for reuse (EF Core's default is 1024). An idle pooled context holds no database
    /// connection (it closes the one it opened when it is returned); past this many in use at once, contexts are made and
    /// dropped as without a pool.
    /// </summary>
    public const int ContextPoolSize = 256;

    /// <summary>
    /// The most connections one process keeps to PostgreSQL unless its connection string says otherwise (Maximum Pool
    /// Size). Npgsql's own default (100) lets one busy process take every slot of a server at its default max_connections
    /// (100): the other services were then refused ("too many clients", 503 to their callers) at 20 declarations/s in the
    /// benchmark. With this bound a process waits for one of its own connections instead; size the server's
    /// max_connections to at least replicas × services × this (docs/database.md).
    /// </summary>
    public const int DefaultPostgresPoolSize = 20;

    private static string WithPoolBound(string connectionString)
    {
        var csb = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase)) csb.MaxPoolSize = DefaultPostgresPoolSize;
        return csb.ConnectionString;
    }

    private static string PrepareSqlite(string connectionString)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = 30, Pooling = true };
        if (csb.DataSource is { Length: > 0 } file && file != ":memory:")
        {
            var full = Path.GetFullPath(file);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            csb.DataSource = full;
        }
        return csb.ToString();
    }
}

/// <summary>Migrates the schema before any worker reads it (see <see cref="ServiceDatabase.MigrateAsync"/>).</summary>
internal sealed class DatabaseInitializer<TContext>(IServiceProvider services) : IHostedService where TContext : ServiceDbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<TContext>(), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

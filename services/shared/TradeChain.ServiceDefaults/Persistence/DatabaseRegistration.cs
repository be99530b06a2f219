using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace TradeChain.ServiceDefaults.Persistence;

public static class DatabaseRegistration
{
    /// <summary>
    /// Registers the service's database from ConnectionStrings:Database: a SQLite file by default,
    /// PostgreSQL when the connection string names a Host.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder)
        where TContext : ServiceDbContext
    {
        var connectionString = builder.Configuration.GetConnectionString("Database")
            ?? throw new InvalidOperationException("ConnectionStrings:Database is not configured.");
        var isPostgres = connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase);
        if (!isPostgres) connectionString = PrepareSqlite(connectionString);

        builder.Services.AddSingleton<WorkSignal>();
        builder.Services.AddSingleton<WorkSignalInterceptor>();
        builder.Services.AddDbContext<TContext>((sp, options) =>
        {
            options.AddInterceptors(sp.GetRequiredService<WorkSignalInterceptor>());
            if (isPostgres) options.UseNpgsql(connectionString);
            else options.UseSqlite(connectionString);
        });
        builder.Services.AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<TContext>());
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>("database", tags: ["ready"]);
        builder.Services.AddHostedService<DatabaseInitializer<TContext>>();
        return builder;
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

/// <summary>Creates the schema on start (and turns on SQLite's write-ahead log so readers never block the writer).</summary>
internal sealed class DatabaseInitializer<TContext>(IServiceProvider services) : IHostedService where TContext : ServiceDbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await db.Database.EnsureCreatedAsync(cancellationToken);
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        await AddColumnsAddedSinceAsync(db, cancellationToken);
    }

    /// <summary>
    /// EnsureCreated leaves an existing database as it is: give one made before these nullable columns existed
    /// (the trace context of outbox rows and transitions) the columns, so a kept database still starts.
    /// </summary>
    private static async Task AddColumnsAddedSinceAsync(TContext db, CancellationToken ct)
    {
        (string Table, string Column)[] added = [("outbox", "TraceState"), ("transitions", "TraceParent"), ("transitions", "TraceState"), .. db.ColumnsAddedSinceCreation];
        foreach (var (table, column) in added) // our own constant names: nothing from outside reaches the SQL
        {
            if (db.Database.IsNpgsql())
            {
                var alter = $"ALTER TABLE \"{table}\" ADD COLUMN IF NOT EXISTS \"{column}\" text";
                await db.Database.ExecuteSqlRawAsync(alter, ct);
                continue;
            }
            var exists = await db.Database.SqlQuery<long>($"SELECT COUNT(*) AS \"Value\" FROM pragma_table_info({table}) WHERE name = {column}")
                .SingleAsync(ct);
            var add = $"ALTER TABLE \"{table}\" ADD COLUMN \"{column}\" TEXT";
            if (exists == 0) await db.Database.ExecuteSqlRawAsync(add, ct);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

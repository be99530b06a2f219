using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>The two databases a service runs on; the name is also the last segment of its migrations' namespace.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public static class DatabaseProviders
{
    /// <summary>PostgreSQL when the connection string names a Host, SQLite otherwise.</summary>
    public static DatabaseProvider Of(string connectionString) =>
        connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase) ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite;

    public static DatabaseProvider Of(DatabaseFacade database) =>
        database.IsNpgsql() ? DatabaseProvider.Postgres
        : database.IsSqlite() ? DatabaseProvider.Sqlite
        : throw new NotSupportedException($"No TradeChain migrations for the provider {database.ProviderName}.");
}

/// <summary>
/// One migration set per provider, both in the service's own assembly: <c>Migrations/Sqlite</c> and
/// <c>Migrations/Postgres</c>, namespaces <c>TradeChain.{Service}.Migrations.Sqlite</c> and <c>….Postgres</c>
/// (scripts/migrations.sh makes them). EF Core's default <see cref="IMigrationsAssembly"/> would see both sets and
/// two snapshots for the one context type; this one keeps only the namespace of the provider the context runs on,
/// so <c>Migrate</c>, <c>HasPendingModelChanges</c> and dotnet-ef each see one straight history per provider —
/// with one context type and no provider-specific subclasses or extra projects.
/// </summary>
public sealed class ProviderMigrationsAssembly : IMigrationsAssembly
{
    private readonly IMigrationsIdGenerator _ids;
    private readonly Lazy<IReadOnlyDictionary<string, TypeInfo>> _migrations;
    private readonly Lazy<ModelSnapshot?> _snapshot;

    public ProviderMigrationsAssembly(ICurrentDbContext current, IMigrationsIdGenerator ids)
    {
        var context = current.Context;
        var contextType = context.GetType();
        Assembly = contextType.Assembly;
        _ids = ids;
        var types = new Lazy<List<TypeInfo>>(() =>
        {
            var suffix = ".Migrations." + DatabaseProviders.Of(context.Database);
            return Assembly.DefinedTypes
                .Where(t => !t.IsAbstract && t.Namespace?.EndsWith(suffix, StringComparison.Ordinal) == true
                    && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == contextType)
                .ToList();
        });
        _migrations = new(() => types.Value
            .Where(t => t.IsSubclassOf(typeof(Migration)))
            .Select(t => (Id: t.GetCustomAttribute<MigrationAttribute>()?.Id, Type: t))
            .Where(m => m.Id is not null)
            .OrderBy(m => m.Id, StringComparer.Ordinal)
            .ToDictionary(m => m.Id!, m => m.Type));
        _snapshot = new(() => types.Value
            .Where(t => t.IsSubclassOf(typeof(ModelSnapshot)))
            .Select(t => (ModelSnapshot)Activator.CreateInstance(t)!)
            .SingleOrDefault());
    }

    public Assembly Assembly { get; }

    public IReadOnlyDictionary<string, TypeInfo> Migrations => _migrations.Value;

    public ModelSnapshot? ModelSnapshot => _snapshot.Value;

    public string? FindMigrationId(string nameOrId) =>
        Migrations.Keys.FirstOrDefault(_ids.IsValidId(nameOrId)
            ? id => string.Equals(id, nameOrId, StringComparison.OrdinalIgnoreCase)
            : id => string.Equals(_ids.GetName(id), nameOrId, StringComparison.OrdinalIgnoreCase));

    public Migration CreateMigration(TypeInfo migrationClass, string activeProvider)
    {
        var migration = (Migration)Activator.CreateInstance(migrationClass)!;
        migration.ActiveProvider = activeProvider;
        return migration;
    }
}

/// <summary>
/// How dotnet-ef builds a service's context (scripts/migrations.sh passes <c>-- --provider Sqlite|Postgres</c>):
/// scaffolding a migration only compares the model with the provider's snapshot, so no database is needed or opened.
/// </summary>
public abstract class ServiceDesignTimeFactory<TContext> : IDesignTimeDbContextFactory<TContext> where TContext : ServiceDbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var named = args.SkipWhile(a => a != "--provider").Skip(1).FirstOrDefault()
            ?? throw new ArgumentException("Say which provider's migrations: dotnet ef … -- --provider Sqlite|Postgres");
        var connectionString = Enum.Parse<DatabaseProvider>(named, ignoreCase: true) switch
        {
            DatabaseProvider.Postgres => "Host=design-time.invalid;Database=design_time",
            _ => "Data Source=design-time.db",
        };
        return Create(new DbContextOptionsBuilder<TContext>().UseServiceDatabase(connectionString).Options);
    }

    protected abstract TContext Create(DbContextOptions<TContext> options);
}

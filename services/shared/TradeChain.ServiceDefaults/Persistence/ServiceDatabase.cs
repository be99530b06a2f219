using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>Brings a service's database to its current schema: what a service does on start, and tests do to a fresh database.</summary>
public static class ServiceDatabase
{
    /// <summary>
    /// Applies the provider's pending migrations (creating the database if it is missing). Replicas starting together
    /// are safe: EF Core 9+ takes a migration lock — on PostgreSQL <c>LOCK TABLE "__EFMigrationsHistory"</c> inside the
    /// migration's transaction (Npgsql 10), on SQLite the <c>__EFMigrationsLock</c> table — and the one that waited then
    /// finds nothing left to apply. Only creating a missing PostgreSQL database is outside that lock, so it is done
    /// here first, and losing that race is fine. A model changed without a migration fails here (EF's
    /// PendingModelChangesWarning is an error): run scripts/migrations.sh. A database made before migrations is
    /// refused, see <see cref="RefuseUnversionedSchemaAsync"/>.
    /// </summary>
    public static async Task MigrateAsync(ServiceDbContext db, CancellationToken cancellationToken = default)
    {
        if (db.Database.IsNpgsql())
        {
            await CreatePostgresDatabaseAsync(db, cancellationToken);
            await MigratePostgresAloneAsync(db, cancellationToken);
            return;
        }
        await RefuseUnversionedSchemaAsync(db, cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        // SQLite's write-ahead log, so readers never block the writer (a property of the file: set once, kept).
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }

    /// <summary>
    /// Npgsql's migration lock (<c>LOCK TABLE "__EFMigrationsHistory"</c>) lasts one migration's transaction, while a
    /// replica decides which migrations to apply before the first: with two or more pending, a replica that waited
    /// applies the second again ("relation already exists"). A session-level advisory lock (scoped to this database)
    /// around the whole migration makes the replicas take turns; the one that waited finds nothing left to apply.
    /// </summary>
    private static async Task MigratePostgresAloneAsync(ServiceDbContext db, CancellationToken ct)
    {
        // One key for TradeChain's migrations (advisory locks are per database, so the services do not wait for each other).
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(8390880587773519969)", ct);
            try
            {
                await RefuseUnversionedSchemaAsync(db, ct);
                await db.Database.MigrateAsync(ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(8390880587773519969)", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// A database created by the old <c>EnsureCreated</c> has the service's tables but no migration history, so which
    /// schema it has is unknown: the first migration would fail half-way on "table already exists", and marking it as
    /// applied (baselining) would be a guess — the schema moved on since (owned tables replaced JSON columns). So the
    /// service stops with what to do instead. The outbox is looked for before the history: a replica migrating at
    /// the same moment commits both in one transaction, so seeing the outbox means its history row is there too.
    /// </summary>
    private static async Task RefuseUnversionedSchemaAsync(ServiceDbContext db, CancellationToken ct)
    {
        if (!await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(ct)) return;
        var outbox = db.Model.FindEntityType(typeof(OutboxMessage))!.GetTableName()!;
        if (!await TableExistsAsync(db, outbox, ct)) return;
        if ((await db.Database.GetAppliedMigrationsAsync(ct)).Any()) return;
        var connection = db.Database.GetDbConnection();
        var where = db.Database.IsSqlite() ? $"the file {connection.DataSource}" : $"the database {connection.Database} on {connection.DataSource}";
        throw new InvalidOperationException(
            $"The {db.ServiceName} database ({where}) was created before TradeChain used migrations (by EnsureCreated): it has tables but no " +
            "__EFMigrationsHistory, so its schema version is unknown and the service does not touch it. Keep what you need from it, " +
            "drop the database (in development: delete the file), and start again: the service then creates it from its migrations.");
    }

    private static async Task CreatePostgresDatabaseAsync(DbContext db, CancellationToken ct)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(ct)) return;
        try
        {
            await creator.CreateAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // another replica created it a moment ago
        }
    }

    private static async Task<bool> TableExistsAsync(DbContext db, string table, CancellationToken ct)
    {
        var query = db.Database.IsSqlite()
            ? db.Database.SqlQuery<long>($"SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = {table}")
            : db.Database.SqlQuery<long>($"SELECT COUNT(*) AS \"Value\" FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = {table}");
        return await query.SingleAsync(ct) > 0;
    }
}

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// A read-only transaction whose reads all see one snapshot of the database, for a report that compares two reads with
/// each other (a total with the rows it totals): a commit between them would look like a difference. Dispose it to end it.
/// </summary>
public sealed class ReadSnapshot : IAsyncDisposable
{
    private readonly DbContext _db;
    private readonly SqliteTransaction? _sqlite;
    private readonly Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? _postgres;

    private ReadSnapshot(DbContext db, SqliteTransaction? sqlite, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? postgres) =>
        (_db, _sqlite, _postgres) = (db, sqlite, postgres);

    /// <summary>
    /// Begins it: REPEATABLE READ on PostgreSQL; on SQLite a deferred transaction (a plain BEGIN, whose snapshot is taken
    /// at its first read). Microsoft.Data.Sqlite would otherwise begin with BEGIN IMMEDIATE, which holds every other
    /// writer off for as long as the reads take.
    /// </summary>
    public static async Task<ReadSnapshot> BeginAsync(DbContext db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite())
            return new ReadSnapshot(db, null, await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct));
        await db.Database.OpenConnectionAsync(ct);
        var transaction = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
        await db.Database.UseTransactionAsync(transaction, ct);
        return new ReadSnapshot(db, transaction, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
            return;
        }
        // EF was lent the SQLite transaction, so it does not end it: ended here (rolled back, it only read), then the connection opened for it.
        await _db.Database.UseTransactionAsync(null);
        await _sqlite!.DisposeAsync();
        await _db.Database.CloseConnectionAsync();
    }
}

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// A read-only transaction whose reads all see one snapshot of the database, for a report that compares two reads with
/// each other (a total with the rows it totals): a commit between them would look like a difference. Dispose it to end it.
/// </summary>
public sealed class ReadSnapshot : IAsyncDisposable
{
    private readonly DbContext _db;
    private readonly IDbContextTransaction _transaction;
    private readonly SqliteTransaction? _sqlite;

    private ReadSnapshot(DbContext db, IDbContextTransaction transaction, SqliteTransaction? sqlite) => (_db, _transaction, _sqlite) = (db, transaction, sqlite);

    /// <summary>
    /// Begins it: REPEATABLE READ on PostgreSQL; on SQLite a deferred transaction (a plain BEGIN, whose snapshot is taken
    /// at its first read; in WAL mode it never holds a writer off). Microsoft.Data.Sqlite would otherwise begin with
    /// BEGIN IMMEDIATE, which holds every other writer off for as long as the reads take.
    /// </summary>
    public static async Task<ReadSnapshot> BeginAsync(DbContext db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite()) return new ReadSnapshot(db, await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct), null);
        await db.Database.OpenConnectionAsync(ct);
        SqliteTransaction? sqlite = null;
        try
        {
            sqlite = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
            return new ReadSnapshot(db, (await db.Database.UseTransactionAsync(sqlite, ct))!, sqlite);
        }
        catch
        {
            if (sqlite is not null) await sqlite.DisposeAsync();
            await db.Database.CloseConnectionAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sqlite is null)
        {
            await _transaction.DisposeAsync(); // rolled back: it only read
            return;
        }
        // EF was lent the SQLite transaction: its wrapper lets go of it (and of the connection it kept open for it); the
        // transaction is ended here (rolled back: it only read), then the connection opened for it is closed.
        try
        {
            await _transaction.DisposeAsync();
            await _sqlite.DisposeAsync();
        }
        finally
        {
            await _db.Database.CloseConnectionAsync();
        }
    }
}

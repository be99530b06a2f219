using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>
/// Sets what SQLite keeps per connection, each time a (pooled) connection is opened:
/// <list type="bullet">
/// <item>a busy handler (<see cref="SqliteWriteWait"/>, in place of <c>busy_timeout</c>): a writer that finds the write
/// lock taken waits for it — woken when a transaction of this process ends, for up to <see cref="SqliteWriteWait.TimeoutMs"/> —
/// instead of failing with SQLITE_BUSY into Microsoft.Data.Sqlite's retry loop, which sleeps 150 ms per attempt.</item>
/// <item><c>synchronous=NORMAL</c> (<c>Database:SqliteSynchronous</c>, default): in WAL mode a commit appends to the
/// log without an fsync; the log is synced at checkpoints. A process crash loses nothing; a machine crash (power, kernel)
/// may lose the last commits, atomically, but never corrupts the file. docs/database.md says what that means for the
/// outbox, the inbox and the chain. <c>Full</c> syncs every commit.</item>
/// </list>
/// <c>journal_mode=WAL</c> is a property of the file, set once when the schema is migrated (<see cref="ServiceDatabase.MigrateAsync"/>).
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    /// <summary>The setting: <c>Normal</c> (default) or <c>Full</c>.</summary>
    public const string SynchronousSetting = "Database:SqliteSynchronous";

    /// <summary>synchronous=NORMAL: durable against a process crash, not a machine crash.</summary>
    public static readonly SqlitePragmas Instance = new(SqliteSynchronous.Normal);

    /// <summary>synchronous=FULL: every commit synced before it returns.</summary>
    public static readonly SqlitePragmas Full = new(SqliteSynchronous.Full);

    private SqlitePragmas(SqliteSynchronous synchronous) =>
        Sql = $"PRAGMA synchronous={synchronous.ToString().ToUpperInvariant()};";

    public string Sql { get; }

    public static SqlitePragmas For(SqliteSynchronous synchronous) => synchronous == SqliteSynchronous.Full ? Full : Instance;

    /// <summary>Reads <see cref="SynchronousSetting"/>; anything but Normal or Full stops the start, naming the setting.</summary>
    public static SqliteSynchronous ReadSetting(string? text) =>
        string.IsNullOrWhiteSpace(text) ? SqliteSynchronous.Normal
        : Enum.GetNames<SqliteSynchronous>().FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<SqliteSynchronous>(name)
        : throw new InvalidOperationException($"{SynchronousSetting} must be Normal or Full, not '{text}'.");

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is not SqliteConnection sqlite) return;
        SqliteWriteWait.Install(sqlite);
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is not SqliteConnection sqlite) return;
        SqliteWriteWait.Install(sqlite);
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>When a SQLite commit is synced to disk (the <c>synchronous</c> pragma, in WAL mode).</summary>
public enum SqliteSynchronous
{
    /// <summary>At checkpoints: a machine crash may lose the last commits (never a part of one).</summary>
    Normal = 1,

    /// <summary>At every commit.</summary>
    Full = 2,
}

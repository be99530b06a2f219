using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Payments.Consumers;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>
/// Every connection a service opens to its SQLite file: write-ahead log, synchronous=NORMAL, and a writer that finds the
/// write lock taken waits for it (<see cref="SqliteWriteWait"/>): woken when a transaction of the process ends, and given
/// up with SQLITE_BUSY after its timeout.
/// </summary>
public sealed class SqliteSettingsTests
{
    [Fact]
    public async Task Every_connection_uses_the_write_ahead_log_normal_sync_and_a_writer_waiting_for_the_lock_is_woken_by_a_commit_through_EF()
    {
        await using var database = await PaymentsDatabase.CreateAsync(x => x.AddConsumer<DutyPaymentRequestedConsumer>());
        // Twice, so the second context gets a connection back from the pool: the settings hold there too.
        for (var i = 0; i < 2; i++)
        {
            var (journal, synchronous, busy) = await database.WithDbAsync(async db =>
            {
                await db.Database.OpenConnectionAsync();
                try
                {
                    return (await PragmaAsync<string>(db, "journal_mode"), await PragmaAsync<long>(db, "synchronous"), await PragmaAsync<long>(db, "busy_timeout"));
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            });
            Assert.Equal("wal", journal);
            Assert.Equal(1, synchronous); // NORMAL (FULL is 2, SQLite's default)
            // Setting a busy handler of one's own clears busy_timeout (it reads 0); setting busy_timeout after it would have
            // replaced ours — and the fallback where the handler cannot be set (another SQLite bundle) reads 30,000.
            Assert.Equal(0, busy);
        }
        // A write of a second context waits for the first's transaction, and gets in when the first commits through EF
        // (TransactionEndInterceptor wakes it): its connection is set to sleep a minute between tries unless woken.
        await using var holder = database.Provider.CreateAsyncScope();
        var first = holder.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        await using (var transaction = await first.Database.BeginTransactionAsync())
        {
            first.Entries.Add(Entry("HELD"));
            await first.SaveChangesAsync();
            // On a thread of its own: SQLite's calls are synchronous, and its wait holds the thread it runs on.
            var waiting = Task.Run(() => database.WithDbAsync(async db =>
            {
                await db.Database.OpenConnectionAsync();
                SqliteWriteWait.Install((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection(), timeoutMs: 60_000, maxSleepMs: 60_000);
                db.Entries.Add(Entry("WAITED"));
                return await db.SaveChangesAsync();
            }));
            await Task.Delay(200); // gives the second writer time to find the lock taken (it passes either way)
            await transaction.CommitAsync();
            Assert.Equal(1, await waiting.WaitAsync(TimeSpan.FromSeconds(20)));
        }
        Assert.Equal(2, await database.WithDbAsync(db => db.Entries.CountAsync()));
    }

    [Fact]
    public async Task A_waiting_writer_is_let_in_by_the_wake_up_of_a_transaction_end_and_gives_up_with_busy_after_its_timeout()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tradechain-busy-{Guid.NewGuid():N}.db");
        try
        {
            await using var holder = await OpenAsync(file);
            await ExecAsync(holder, "PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);");
            await ExecAsync(holder, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1);");

            // It sleeps for a minute between tries unless woken, and its command gives up after 1 s of Microsoft.Data.Sqlite's
            // own retries (were the handler to give up at once): held 1.5 s, only the wake-up lets it in.
            await using var woken = await OpenAsync(file, timeoutMs: 60_000, maxSleepMs: 60_000, commandTimeoutSeconds: 1);
            var write = Task.Run(() => ExecAsync(woken, "BEGIN IMMEDIATE; INSERT INTO t VALUES (2); COMMIT;"));
            await Task.Delay(1_500);
            await ExecAsync(holder, "COMMIT;");
            SqliteWriteWait.TransactionEnded(); // as TransactionEndInterceptor tells it when a context's transaction ends
            await write.WaitAsync(TimeSpan.FromSeconds(20));

            // A lock never let go: SQLITE_BUSY once the writer's timeout has passed, as busy_timeout gave.
            await ExecAsync(holder, "BEGIN IMMEDIATE; INSERT INTO t VALUES (3);");
            await using var refused = await OpenAsync(file, timeoutMs: 300, commandTimeoutSeconds: 1); // (Microsoft.Data.Sqlite retries a busy command until its timeout)
            var busy = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => ExecAsync(refused, "BEGIN IMMEDIATE;").WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(5, busy.SqliteErrorCode); // SQLITE_BUSY
            await ExecAsync(holder, "ROLLBACK;");
            await using var count = holder.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM t";
            Assert.Equal(2L, await count.ExecuteScalarAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    private static async Task<Microsoft.Data.Sqlite.SqliteConnection> OpenAsync(string file, int timeoutMs = SqliteWriteWait.TimeoutMs,
        int maxSleepMs = SqliteWriteWait.MaxSleepMs, int commandTimeoutSeconds = 30)
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False;Default Timeout={commandTimeoutSeconds}");
        await connection.OpenAsync();
        SqliteWriteWait.Install(connection, timeoutMs, maxSleepMs);
        return connection;
    }

    private static async Task ExecAsync(Microsoft.Data.Sqlite.SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static TradeChain.Payments.Domain.LedgerEntry Entry(string reference) => new()
    {
        Party = "EXP", Currency = "USD", AmountMinor = 1, Kind = TradeChain.Payments.Domain.LedgerEntryKind.Deposit, Reference = reference, TransactionHash = "0xtx",
    };

    [Theory]
    [InlineData(null, SqliteSynchronous.Normal)]
    [InlineData("full", SqliteSynchronous.Full)]
    [InlineData("Normal", SqliteSynchronous.Normal)]
    public void The_sync_setting_reads_normal_or_full(string? setting, SqliteSynchronous expected) =>
        Assert.Equal(expected, SqlitePragmas.ReadSetting(setting));

    [Theory]
    [InlineData("off")]
    [InlineData("2")]
    public void Any_other_sync_setting_stops_the_start_naming_it(string setting) =>
        Assert.Contains(SqlitePragmas.SynchronousSetting, Assert.Throws<InvalidOperationException>(() => SqlitePragmas.ReadSetting(setting)).Message);

    private static async Task<T> PragmaAsync<T>(PaymentsDbContext db, string pragma)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {pragma}";
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

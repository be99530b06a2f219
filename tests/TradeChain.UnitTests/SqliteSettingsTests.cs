using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Payments.Consumers;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>Every connection a service opens to its SQLite file: write-ahead log, synchronous=NORMAL and a busy timeout.</summary>
public sealed class SqliteSettingsTests
{
    [Fact]
    public async Task Every_connection_uses_the_write_ahead_log_normal_sync_and_a_busy_timeout()
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
            Assert.Equal(SqlitePragmas.BusyTimeoutMs, busy);
        }
    }

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

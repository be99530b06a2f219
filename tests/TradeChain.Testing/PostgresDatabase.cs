using Npgsql;

namespace TradeChain.Testing;

/// <summary>
/// A uniquely named database on the test PostgreSQL server (TRADECHAIN_TEST_POSTGRES, started by scripts/test.sh),
/// not created here — a service creates it when it migrates — and dropped with everything in it on dispose.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private PostgresDatabase(string name) => Name = name;

    public static string Server => Environment.GetEnvironmentVariable("TRADECHAIN_TEST_POSTGRES")
        ?? throw new InvalidOperationException("TRADECHAIN_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts PostgreSQL.");

    public string Name { get; }

    public string ConnectionString => $"{Server};Database={Name}";

    public static PostgresDatabase Named(string purpose) => new($"tc_{purpose}_{Guid.NewGuid().ToString("N")[..10]}");

    /// <summary>
    /// An outage of this database alone, as its service sees one: new connections are refused ("not currently accepting
    /// connections") and the open ones are cut, while the server and every other database keep running.
    /// </summary>
    public async Task TakeOfflineAsync()
    {
        await OnServerAsync($"ALTER DATABASE \"{Name}\" WITH ALLOW_CONNECTIONS false");
        await OnServerAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Name}'");
    }

    /// <summary>Ends the outage of <see cref="TakeOfflineAsync"/>.</summary>
    public Task BringOnlineAsync() => OnServerAsync($"ALTER DATABASE \"{Name}\" WITH ALLOW_CONNECTIONS true");

    public ValueTask DisposeAsync() => new(OnServerAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)"));

    private static async Task OnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection($"{Server};Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

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

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection($"{Server};Database=postgres");
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

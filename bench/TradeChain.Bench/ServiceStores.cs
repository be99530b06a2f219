using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using TradeChain.Testing;

namespace TradeChain.Bench;

/// <summary>
/// Where the run's services keep their records: each service's SQLite file in the system's state directory (the default,
/// as the run command has it), or — <c>--database postgres</c> — a database of its own on the benchmark's PostgreSQL
/// server (TRADECHAIN_TEST_POSTGRES, started by bench/run.sh), dropped when the run ends. The harness reads transitions
/// from there as the history API would show them.
/// </summary>
internal sealed class ServiceStores(bool postgres) : IAsyncDisposable
{
    private readonly Dictionary<string, PostgresDatabase> _databases = postgres
        ? StageResult.Services.ToDictionary(s => s, s => PostgresDatabase.Named($"bench_{s}"))
        : [];
    private TradeChainSystem? _system;

    /// <summary>Points <paramref name="service"/> at its PostgreSQL database (nothing for SQLite: the model's file is the default).</summary>
    public void Configure(string name, ServiceProcess service)
    {
        if (_databases.TryGetValue(name, out var database)) service.SetSetting("ConnectionStrings:Database", database.ConnectionString);
    }

    /// <summary>The started system whose SQLite files are read (the files' paths are its).</summary>
    public void Attach(TradeChainSystem system) => _system = system;

    private DbConnection Open(string service) => _databases.TryGetValue(service, out var database)
        ? new NpgsqlConnection(database.ConnectionString)
        : new SqliteConnection($"Data Source={(_system ?? throw new InvalidOperationException("no system attached")).DatabasePath(service)};Mode=ReadOnly");

    /// <summary>The service's anchored transitions (<see cref="EndToEndRun.ReadTransitions(DbConnection)"/>).</summary>
    public List<System.Text.Json.Nodes.JsonObject> ReadTransitions(string service)
    {
        using var connection = Open(service);
        connection.Open();
        return EndToEndRun.ReadTransitions(connection);
    }

    /// <summary>The service's transitions not anchored yet.</summary>
    public async Task<long> PendingAnchoringAsync(string service)
    {
        await using var connection = Open(service);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM transitions WHERE \"BatchRoot\" IS NULL";
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>The service's duty payments by status (payments' table), for following a burst.</summary>
    public async Task<Dictionary<string, long>> DutyPaymentsByStatusAsync()
    {
        await using var connection = Open("payments");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"Status\", COUNT(*) FROM duty_payments GROUP BY \"Status\"";
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1));
        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases.Values) await database.DisposeAsync();
    }
}

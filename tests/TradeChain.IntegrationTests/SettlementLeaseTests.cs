using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// A bank's settlement lease on the service's real databases (SQLite and PostgreSQL, migrated): one holder at a time, taken
/// from another only when it ran out, each change of holder one more on the fence; a holder whose lease was taken can
/// neither renew it nor save under it; a released lease is free at once.
/// </summary>
public sealed class SettlementLeaseTests
{
    private const string Bank = "BNK-LEASE";
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task One_holder_at_a_time_taken_over_only_when_run_out_and_the_old_holder_saves_nothing_after(string provider)
    {
        await using var database = await DatabaseAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        await using (var db = database.Db()) await ServiceDatabase.MigrateAsync(db);

        await using var a = database.Db();
        await using var b = database.Db();
        var (leasesA, leasesB) = (new SettlementLeases(a, clock), new SettlementLeases(b, clock));

        var held = await leasesA.TryAcquireAsync(Bank, "pod-a", Duration, CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await leasesB.TryAcquireAsync(Bank, "pod-b", Duration, CancellationToken.None)); // held, not run out
        Assert.Equal(held, await leasesA.TryAcquireAsync(Bank, "pod-a", Duration, CancellationToken.None)); // its holder's again, same fence
        clock.Advance(Duration / 2);
        Assert.True(await leasesA.RenewAsync(held!, Duration, CancellationToken.None));
        clock.Advance(Duration * 0.9);
        Assert.Null(await leasesB.TryAcquireAsync(Bank, "pod-b", Duration, CancellationToken.None)); // renewed: not run out yet

        // A's lease runs out (a long send, a pause) and B takes it: one more on the fence, taken from a holder that may still be sending.
        clock.Advance(Duration);
        var taken = await leasesB.TryAcquireAsync(Bank, "pod-b", Duration, CancellationToken.None);
        Assert.Equal(held! with { Holder = "pod-b", Fence = held.Fence + 1, TakenFromExpired = true }, taken);
        Assert.False(await leasesA.RenewAsync(held, Duration, CancellationToken.None));
        Assert.Null(await leasesA.TryAcquireAsync(Bank, "pod-a", Duration, CancellationToken.None));

        // What A decided under its old lease (a payment given up) is not saved.
        var payment = DutyPayment.Request("DP-LEASE-1", Guid.NewGuid(), "EXP", 10m, "USD", "customs", clock.GetUtcNow());
        a.DutyPayments.Add(payment);
        await Assert.ThrowsAsync<SettlementLeaseLostException>(() => leasesA.SaveUnderAsync(held, Duration, CancellationToken.None));
        await using (var read = database.Db()) Assert.False(await read.DutyPayments.AnyAsync(p => p.Reference == "DP-LEASE-1"));

        // B saves under its lease; released, A takes it at once (another change of holder; B let it go, so it sends nothing more).
        b.DutyPayments.Add(DutyPayment.Request("DP-LEASE-2", Guid.NewGuid(), "EXP", 10m, "USD", "customs", clock.GetUtcNow()));
        await leasesB.SaveUnderAsync(taken!, Duration, CancellationToken.None);
        await using (var read = database.Db()) Assert.True(await read.DutyPayments.AnyAsync(p => p.Reference == "DP-LEASE-2"));
        await leasesB.ReleaseAsync(taken!, CancellationToken.None);
        Assert.Equal(new HeldLease(Bank, "pod-a", taken!.Fence + 1), await leasesA.TryAcquireAsync(Bank, "pod-a", Duration, CancellationToken.None));
        Assert.False(await leasesB.RenewAsync(taken, Duration, CancellationToken.None));
    }

    [Fact]
    public async Task Of_many_processes_taking_a_free_lease_at_once_on_postgres_exactly_one_gets_it()
    {
        await using var database = await DatabaseAsync("postgres");
        var clock = TimeProvider.System;
        await using (var db = database.Db()) await ServiceDatabase.MigrateAsync(db);
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            await using var db = database.Db();
            return await new SettlementLeases(db, clock).TryAcquireAsync(Bank, $"pod-{i}", Duration, CancellationToken.None);
        }));
        Assert.Single(results, r => r is not null);
    }

    private static Task<Database> DatabaseAsync(string provider) => Task.FromResult(provider == "postgres"
        ? new Database(PostgresDatabase.Named("lease"), null)
        : new Database(null, Path.Combine(TestEnvironment.NewTempDirectory("lease"), "payments.db")));

    private sealed class Database(PostgresDatabase? postgres, string? sqlitePath) : IAsyncDisposable
    {
        private readonly DbContextOptions<PaymentsDbContext> _options = new DbContextOptionsBuilder<PaymentsDbContext>()
            .UseServiceDatabase(postgres is not null ? postgres.ConnectionString : $"Data Source={sqlitePath}").Options;

        public PaymentsDbContext Db() => new(_options);

        public async ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (postgres is not null) await postgres.DisposeAsync();
        }
    }
}

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.UnitTests;

/// <summary>
/// A service's contexts are pooled (<see cref="DatabaseRegistration.AddServiceDatabase{TContext}"/>): a unit of work gets a
/// context an earlier one returned. What a user relies on: it starts clean — nothing tracked, nothing an earlier use's
/// abandoned transaction held back — and its commits still wake the long-polls following its records. Registered as the
/// service registers it, on a real SQLite file.
/// </summary>
public sealed class ContextPoolTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tradechain-pool-{Guid.NewGuid():N}.db");
    private IHost _host = null!;

    private IServiceProvider Services => _host.Services;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Database"] = $"Data Source={_file}" });
        builder.AddServiceDatabase<PaymentsDbContext>();
        _host = builder.Build();
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        await ServiceDatabase.MigrateAsync(db);
        db.DutyPayments.Add(DutyPayment.Request("DUTY-1", Guid.NewGuid(), "EXP", 720m, "USD", "customs", Now));
        db.DutyPayments.Add(DutyPayment.Request("DUTY-2", Guid.NewGuid(), "EXP", 80m, "USD", "customs", Now));
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        _host.Dispose();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_unit_of_work_gets_a_returned_context_reset_and_its_commits_still_wake_the_records_followers()
    {
        var changes = Services.GetRequiredService<RecordChanges>();
        using var first = changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-1"), "EXP")!;
        using var second = changes.Watch(RecordChanges.KeyOf(DutyPayment.RecordType, "DUTY-2"), "EXP")!;

        PaymentsDbContext lent;
        await using (var scope = Services.CreateAsyncScope())
        {
            lent = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            await lent.Database.OpenConnectionAsync(); // opened by the use and left open
            // Left on a failure: DUTY-1's transition saved in a transaction that is disposed, neither committed nor rolled back.
            await using (await lent.Database.BeginTransactionAsync())
            {
                (await lent.DutyPayments.SingleAsync(p => p.Reference == "DUTY-1")).BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
                await lent.SaveChangesAsync();
            }
            Assert.NotEmpty(lent.ChangeTracker.Entries());
        }

        await using (var scope = Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            Assert.Same(lent, db); // pooled: the context returned is lent again, not made anew
            Assert.Empty(db.ChangeTracker.Entries());
            Assert.Equal(System.Data.ConnectionState.Closed, db.Database.GetDbConnection().State); // an idle pooled context holds no connection
            Assert.Equal(DutyPaymentStatus.Requested, (await db.DutyPayments.AsNoTracking().SingleAsync(p => p.Reference == "DUTY-1")).Status);

            // This use commits DUTY-2's transition in a transaction begun on the connection and handed to EF (UseTransaction,
            // as ReadSnapshot does), so EF's "transaction started" does not clear what the earlier use held back: only what
            // this use saved is announced, never what the earlier use's abandoned transaction held back.
            await db.Database.OpenConnectionAsync();
            await using var own = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction();
            await using (var transaction = (await db.Database.UseTransactionAsync(own))!)
            {
                (await db.DutyPayments.SingleAsync(p => p.Reference == "DUTY-2")).BeginSettlement("BNK-1", "0xdebtor", "ops", Now);
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
            }
            Assert.True(second.Changed.IsCompleted, "a pooled context's commit did not wake its record's followers");
            Assert.False(first.Changed.IsCompleted, "an earlier use's abandoned transition was announced by the next use's commit");
            // The transition log names the service: the context's own identity, made from its options alone.
            Assert.Equal(["payments"], await db.Transitions.AsNoTracking().Where(t => t.AggregateId == "DUTY-2").Select(t => t.Service).Distinct().ToListAsync());
        }
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradeChain.Customs.Application;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

public sealed class VerificationSweeperTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tradechain-sweeper-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    [Fact]
    public async Task A_declaration_left_registered_too_long_has_its_verification_asked_again_once()
    {
        var clock = new FakeTimeProvider(CustomsFixtures.Now);
        await using var services = new ServiceCollection()
            .AddSingleton(new ServiceIdentity("customs"))
            .AddSingleton<TimeProvider>(clock)
            .AddLogging()
            .AddScoped<AskForOverdueVerifications>()
            .AddDbContext<CustomsDbContext>(o => o.UseServiceDatabase($"Data Source={_file}"))
            .BuildServiceProvider();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
            await ServiceDatabase.MigrateAsync(db);
            db.Declarations.Add(CustomsFixtures.Lodged());
            await db.SaveChangesAsync();
        }
        var sweeper = new VerificationSweeper(services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new VerificationSweeperOptions { RetryAfterSeconds = 120 }), NullLogger<VerificationSweeper>.Instance);

        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await sweeper.SweepAsync(CancellationToken.None));
        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None)); // asked again just now: not again yet

        await using var check = services.CreateAsyncScope();
        // The lodgement's request and the one asked again, both through the declaration's domain event.
        var outbox = await check.ServiceProvider.GetRequiredService<CustomsDbContext>().Outbox.Select(m => m.MessageType).ToListAsync();
        Assert.Equal([nameof(DeclarationDocumentsVerificationRequested), nameof(DeclarationDocumentsVerificationRequested)], outbox);
        Assert.Equal(1, await check.ServiceProvider.GetRequiredService<CustomsDbContext>().Transitions.CountAsync()); // not a state change
    }
}

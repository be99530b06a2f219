using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Payments.Application;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>The payments database in a SQLite file of its own, with MassTransit's in-memory harness and the given consumers.</summary>
public sealed class PaymentsDatabase : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tradechain-payments-" + Guid.NewGuid().ToString("N"));

    private PaymentsDatabase(Action<IBusRegistrationConfigurator> consumers, IInterceptor[] interceptors)
    {
        Directory.CreateDirectory(_dir);
        Provider = new ServiceCollection()
            .AddSingleton(new ServiceIdentity("payments"))
            .AddSingleton(TimeProvider.System)
            .AddDbContext<PaymentsDbContext>(o => o.UseServiceDatabase($"Data Source={Path.Combine(_dir, "payments.db")}").AddInterceptors(interceptors))
            .AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<PaymentsDbContext>())
            .AddPaymentsUseCases()
            .AddMassTransitTestHarness(consumers)
            .BuildServiceProvider(validateScopes: true);
    }

    /// <summary>
    /// <paramref name="consumers"/> on the services' consume pipe (BusRegistration) over the in-memory transport: the
    /// redelivery filter around two immediate retries, with no redelivery left (as after the last one), so a failure
    /// stands after the retries.
    /// </summary>
    public static Action<IBusRegistrationConfigurator> OnServicePipe(Action<IBusRegistrationConfigurator> consumers) => x =>
    {
        consumers(x);
        x.UsingInMemory((context, cfg) =>
        {
            cfg.UseRedelivery([], new RedeliveryTopology(new Uri("amqp://unused/")), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            cfg.UseMessageRetry(r => BusRegistration.ConfigureRetries(r, [TimeSpan.Zero, TimeSpan.Zero]));
            cfg.ConfigureEndpoints(context, new KebabCaseEndpointNameFormatter(false));
        });
    };

    public ServiceProvider Provider { get; }

    /// <param name="interceptors">EF Core interceptors on every context (a test counting saves, say).</param>
    public static async Task<PaymentsDatabase> CreateAsync(Action<IBusRegistrationConfigurator> consumers, params IInterceptor[] interceptors)
    {
        var database = new PaymentsDatabase(consumers, interceptors);
        await using var scope = database.Provider.CreateAsyncScope();
        await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<PaymentsDbContext>());
        return database;
    }

    /// <summary>Runs <paramref name="work"/> with a fresh context, as one request or message would.</summary>
    public async Task<T> WithDbAsync<T>(Func<PaymentsDbContext, Task<T>> work)
    {
        await using var scope = Provider.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PaymentsDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

using TradeChain.Testing;

namespace TradeChain.ConsoleTests.Infrastructure;

/// <summary>
/// The whole system for the browser journeys (the AppHost's model): anvil with the contracts, a RabbitMQ virtual host,
/// the three services and the console, each its own process. One system is shared by the journeys of a test class (each journey makes its own
/// records, under its own reference numbers).
/// </summary>
public sealed class ConsoleSystem : IAsyncLifetime
{
    public TradeChainSystem Services { get; private set; } = default!;

    public ServiceProcess Console { get; private set; } = default!;

    public Uri ConsoleUrl => Console.BaseAddress;

    public async Task InitializeAsync()
    {
        Services = await TradeChainSystem.StartAsync(console: _ => { });
        Console = Services.Console!;
    }

    public Task DisposeAsync() => Services.DisposeAsync().AsTask();

    public string Diagnostics => Services.Diagnostics;
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleSystem>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "console";
}

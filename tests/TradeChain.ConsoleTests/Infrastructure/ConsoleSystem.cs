using TradeChain.Testing;

namespace TradeChain.ConsoleTests.Infrastructure;

/// <summary>
/// The whole system for the browser journeys: anvil with the contracts, a RabbitMQ virtual host, the three services and
/// the console, each its own process. One system is shared by the journeys of a test class (each journey makes its own
/// records, under its own reference numbers).
/// </summary>
public sealed class ConsoleSystem : IAsyncLifetime
{
    public TradeChainSystem Services { get; private set; } = default!;

    public ServiceProcess Console { get; private set; } = default!;

    public Uri ConsoleUrl => Console.BaseAddress;

    public async Task InitializeAsync()
    {
        Services = await TradeChainSystem.StartAsync();
        Console = new ServiceProcess("console", TestEnvironment.ServiceDll("console", "TradeChain.Console"), TestEnvironment.FreePort(), new Dictionary<string, string>
        {
            ["Services:Customs"] = Services.Customs.BaseAddress.ToString(),
            ["Services:Documents"] = Services.Documents.BaseAddress.ToString(),
            ["Services:Payments"] = Services.Payments.BaseAddress.ToString(),
            ["Chain:RpcUrl"] = Services.Chain.RpcUrl,
            ["Chain:TransitionAnchorAddress"] = Services.Chain.Deployment.TransitionAnchorAddress,
        });
        try { await Console.StartAsync(); }
        catch
        {
            await Services.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await Console.DisposeAsync();
        await Services.DisposeAsync();
    }

    public string Diagnostics => $"--- console ---\n{Console.RecentOutput}\n{Services.Diagnostics}";
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleSystem>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "console";
}

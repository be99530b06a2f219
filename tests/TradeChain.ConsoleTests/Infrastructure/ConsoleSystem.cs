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

    /// <summary>A bank that signs its own transactions (Parties:SelfSigned): the services hold no signer for it.</summary>
    public const string SelfSignedBank = "BNK-OWNKEY";

    /// <summary>Its key: the PUBLIC development key derived from its name, held only by the tests (the bank).</summary>
    public static string SelfSignedBankKey => TradeChain.Ledger.PartyWallets.DevelopmentKey(SelfSignedBank);

    /// <summary>A trader that signs its own transactions (its mandates on chain, its title steps).</summary>
    public const string SelfSignedTrader = "EXP-OWNKEY";

    /// <summary>Its key: the PUBLIC development key derived from its name, held only by the tests (the trader).</summary>
    public static string SelfSignedTraderKey => TradeChain.Ledger.PartyWallets.DevelopmentKey(SelfSignedTrader);

    /// <summary>The chain account of a party whose key is <paramref name="key"/>.</summary>
    public static string AddressOf(string key) => new TradeChain.Ledger.TransactionSigner(key, TradeChain.Ledger.DevelopmentAccounts.ChainId).Address;

    public async Task InitializeAsync()
    {
        Services = await TradeChainSystem.StartAsync(configure: (service, process) =>
        {
            if (service is not ("payments" or "documents")) return;
            process.SetSetting($"Parties:SelfSigned:{SelfSignedBank}", AddressOf(SelfSignedBankKey));
            process.SetSetting($"Parties:SelfSigned:{SelfSignedTrader}", AddressOf(SelfSignedTraderKey));
        }, console: _ => { });
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

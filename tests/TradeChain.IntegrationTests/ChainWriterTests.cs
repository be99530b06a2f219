using Microsoft.Extensions.Logging;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger;
using TradeChain.Ledger.Contracts.TitleRegistry;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>The chain writer against a real anvil whose mining the test controls.</summary>
public sealed class ChainWriterTests : IAsyncLifetime
{
    private AnvilNode _chain = null!;

    public async Task InitializeAsync() => _chain = await AnvilNode.StartAsync();

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    [Fact]
    public async Task A_transaction_mined_after_its_receipt_timed_out_is_not_sent_again()
    {
        var options = _chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        options.ReceiptTimeoutSeconds = 1;
        var log = new FirstWarning();
        var writer = new ChainWriter(options, log);
        var titles = new TitleRegistryClient(writer, options);
        var root = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var sentBefore = (await writer.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(writer.Address, BlockParameter.CreateLatest())).Value;

        // The node takes the transaction but mines nothing: the writer's wait for its receipt times out.
        await writer.Web3.Client.SendRequestAsync<bool?>("evm_setAutomine", null, false);
        var sending = writer.SendAsync(titles.ContractAddress, new MintFunction { TokenId = TitleRegistryClient.TokenId(root), Beneficiary = writer.Address, Holder = writer.Address },
            CancellationToken.None);
        await log.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        // Then the transaction is mined, and mining goes on as usual (a second transaction, if sent, would be mined too).
        await writer.Web3.Client.SendRequestAsync<string>("evm_mine");
        await writer.Web3.Client.SendRequestAsync<bool?>("evm_setAutomine", null, true);

        var receipt = await sending; // not refused: a mint sent again would be (the title exists)
        Assert.Equal(sentBefore + 1, (await writer.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(writer.Address, BlockParameter.CreateLatest())).Value);
        var mined = await writer.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(receipt.TransactionHash);
        Assert.Equal(sentBefore, mined.Nonce.Value); // the one transaction is the first one sent
        Assert.True((await titles.GetAsync(root)).Exists);
    }

    /// <summary>A logger that signals the writer's first warning: its wait for a receipt ran out.</summary>
    private sealed class FirstWarning : ILogger<ChainWriter>
    {
        private readonly TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Logged => _logged.Task;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) _logged.TrySetResult();
        }
    }
}

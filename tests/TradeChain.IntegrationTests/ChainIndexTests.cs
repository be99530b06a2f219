using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The chain index on a real anvil, behind a proxy that refuses log ranges over 100 blocks, with a real database: it
/// walks in bounded ranges, stores each event once, resumes from its cursor after a restart, re-indexing changes
/// nothing, and a reader can wait for a block.
/// </summary>
public sealed class ChainIndexTests : IAsyncLifetime
{
    private const int NodeLimit = 100;

    private AnvilNode _anvil = null!;
    private LogRangeLimitedRpc _rpc = null!;
    private readonly string _directory = TestEnvironment.NewTempDirectory("chain-index");

    public async Task InitializeAsync()
    {
        _anvil = await AnvilNode.StartAsync();
        _rpc = new LogRangeLimitedRpc(_anvil.RpcUrl, NodeLimit);
    }

    public async Task DisposeAsync()
    {
        await _rpc.DisposeAsync();
        await _anvil.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>The documents service's parts that index the title registry: one "process" of it.</summary>
    private ServiceProvider Service()
    {
        var chain = _anvil.OptionsFor(DevelopmentAccounts.DocumentsKey);
        chain.RpcUrl = _rpc.Url;
        chain.MaxLogBlockRange = NodeLimit; // to − from = 99: within the node's limit
        return IndexParts(chain, TitleEvents.SourceFor(chain), "documents.db")
            .AddSingleton<TitleRegistryClient>()
            .AddScoped<TitleEvents>()
            .BuildServiceProvider(validateScopes: true);
    }

    /// <summary>The documents service's parts that index its document store and read it for a verification: one "process" of it.</summary>
    /// <remarks>Its indexer, once started, polls only every ten minutes: it indexes when a reader of this "process" wants a block, so the test decides which replica stores what.</remarks>
    private ServiceProvider DocumentService()
    {
        var chain = _anvil.OptionsFor(DevelopmentAccounts.DocumentsKey);
        return IndexParts(chain, DocumentStoreEvents.SourceFor(chain), "documents-store.db", pollIntervalMs: 600_000)
            .AddSingleton(sp => new DocumentStoreClient(sp.GetRequiredService<ChainWriter>(), chain))
            .AddSingleton<DocumentStoreEventCache>()
            .AddScoped<DocumentStoreEvents>()
            .BuildServiceProvider(validateScopes: true);
    }

    /// <summary>A chain index of one source, its indexer, and the database it keeps it in (shared by every "process" naming it).</summary>
    private IServiceCollection IndexParts(ChainOptions chain, ChainEventSource source, string database, int pollIntervalMs = 50) => new ServiceCollection()
        .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
        .AddSingleton(new ServiceIdentity("documents"))
        .AddSingleton(TimeProvider.System)
        .AddSingleton(chain)
        .AddSingleton(sp => new ChainWriter(chain, sp.GetRequiredService<ILogger<ChainWriter>>()))
        .AddSingleton(Options.Create(new ChainIndexOptions { PollIntervalMs = pollIntervalMs, CatchUpTimeoutSeconds = 30 }))
        .AddSingleton(sp => new ChainIndex([source], sp.GetRequiredService<ChainWriter>(), chain, sp.GetRequiredService<IOptions<ChainIndexOptions>>()))
        .AddSingleton<ChainIndexer>()
        .AddSingleton(new RecordChanges())
        .AddDbContext<DocumentsDbContext>(o => o.UseServiceDatabase($"Data Source={Path.Combine(_directory, database)}"))
        .AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<DocumentsDbContext>());

    [Fact]
    public async Task The_index_walks_in_bounded_ranges_resumes_from_its_cursor_after_a_restart_and_never_stores_an_event_twice()
    {
        var registry = _anvil.Deployment.TitleRegistryAddress;
        var first = Root(1);
        long resumeAt;
        await using (var service = Service())
        {
            await using (var scope = service.CreateAsyncScope())
                await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<DocumentsDbContext>());
            var titles = service.GetRequiredService<TitleRegistryClient>();
            await titles.MintAsync(first, Address(1), Address(1), CancellationToken.None);
            await ChainHistoryTests.MineAsync(_anvil.RpcUrl, 3 * NodeLimit + 17);
            // What follows the source's events (a title's page) is woken once a round has committed new ones.
            using var following = service.GetRequiredService<RecordChanges>().Watch(ChainIndex.EventsKey(TitleEvents.Source), "EXP-1")!;
            Assert.True(await service.GetRequiredService<ChainIndexer>().IndexAsync(CancellationToken.None) > 0);
            Assert.True(following.Changed.IsCompleted, "a round that stored the registry's events woke nothing that follows them");
            await AssertIndexHoldsTheChainAsync(service, registry);
            Assert.Single(await HistoryAsync(service, first));
            resumeAt = await CursorAsync(service);
            Assert.Equal(await HeadAsync() + 1, resumeAt);
        }
        Assert.Empty(_rpc.Refused);
        Assert.True(_rpc.Ranges.Count >= 4, $"{_rpc.Ranges.Count} ranges"); // 318 blocks in ranges of at most 100

        // The service starts again (a new process: nothing in memory) after more happened on chain.
        var second = Root(2);
        await using (var service = Service())
        {
            var titles = service.GetRequiredService<TitleRegistryClient>();
            await titles.MintAsync(second, Address(2), Address(2), CancellationToken.None);
            await ChainHistoryTests.MineAsync(_anvil.RpcUrl, NodeLimit + 5);
            var asked = _rpc.Ranges.Count;
            await service.GetRequiredService<ChainIndexer>().IndexAsync(CancellationToken.None);
            var ranges = _rpc.Ranges.Skip(asked).ToList();
            Assert.Equal(resumeAt, ranges[0].From); // from the cursor, not from the start of the chain
            Assert.All(ranges, r => Assert.True(r.To - r.From < NodeLimit, $"{r.From}-{r.To}"));
            await AssertIndexHoldsTheChainAsync(service, registry);
            Assert.Single(await HistoryAsync(service, second));

            // A round repeated over blocks already indexed (another replica, a cursor that lagged) stores nothing again.
            await using (var scope = service.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<DocumentsDbContext>().ChainCursors.ExecuteUpdateAsync(c => c.SetProperty(x => x.NextBlock, 0L));
            using var following = service.GetRequiredService<RecordChanges>().Watch(ChainIndex.EventsKey(TitleEvents.Source), "EXP-1")!;
            Assert.Equal(0, await service.GetRequiredService<ChainIndexer>().IndexAsync(CancellationToken.None));
            Assert.False(following.Changed.IsCompleted, "a round that stored nothing new woke what follows the events");
            await AssertIndexHoldsTheChainAsync(service, registry);

            // Read-your-writes: with the indexer running, a reader waits for the block of its own transaction.
            var indexer = service.GetRequiredService<ChainIndexer>();
            await indexer.StartAsync(CancellationToken.None);
            try
            {
                var third = Root(3);
                var minted = await titles.MintAsync(third, Address(3), Address(3), CancellationToken.None);
                await using var scope = service.CreateAsyncScope();
                var events = scope.ServiceProvider.GetRequiredService<TitleEvents>();
                await events.CaughtUpToAsync(minted!.BlockNumber, CancellationToken.None);
                var issued = Assert.Single(await events.HistoryAsync(third, CancellationToken.None));
                Assert.Equal(("issued", minted.TransactionHash), (issued.Action, issued.TransactionHash));
            }
            finally
            {
                await indexer.StopAsync(CancellationToken.None);
            }
        }
        Assert.Empty(_rpc.Refused);
    }

    [Fact]
    public async Task A_replicas_copy_of_the_stores_events_takes_in_what_another_replica_indexed_once_its_index_reaches_that_block()
    {
        // Two replicas of the documents service on one database. A reads with its indexer running (woken by its readers
        // only); B's indexer is driven here, so B is the one that stores the later events and A's copy in memory must take
        // them from the database.
        await using var a = DocumentService();
        await using var b = DocumentService();
        await using (var scope = a.CreateAsyncScope())
            await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<DocumentsDbContext>());
        var store = a.GetRequiredService<DocumentStoreClient>();
        var first = Root(11);
        var second = Root(12);
        var issuedFirst = (await store.IssueAsync([first], CancellationToken.None))!;

        var indexer = a.GetRequiredService<ChainIndexer>();
        await indexer.StartAsync(CancellationToken.None);
        try
        {
            // A's first round (run as it starts) done before A reads: a read that came first would want a round of its own,
            // and that wish, left pending, ran one more round later, which could index the second issuance itself (CI,
            // stop 43: B then stored 2 events, not 3).
            await FirstRoundAsync(a);
            var before = await ReadAsync(a, first, second);
            Assert.Equal((issuedFirst.TransactionHash, issuedFirst.BlockNumber), (before.Issued(Hex(first))!.TransactionHash, before.Issued(Hex(first))!.BlockNumber));
            Assert.Null(before.Issued(Hex(second)));
            Assert.Null(before.Revoked(Hex(first)));

            // Later, on chain: the second issued, the first revoked with its reason — indexed by replica B.
            var issuedSecond = (await store.IssueAsync([second], CancellationToken.None))!;
            var reason = Nethereum.Util.Sha3Keccack.Current.CalculateHash(System.Text.Encoding.UTF8.GetBytes("issued in error"));
            var revoked = await store.RevokeWithReasonAsync(first, reason, CancellationToken.None);
            Assert.Equal(3, await b.GetRequiredService<ChainIndexer>().IndexAsync(CancellationToken.None)); // issued, revoked, its reason

            // The race two indexers on one cursor can run: the revocation's rows stored only after the cursor passed their
            // block (a replica whose node had not seen the block yet passed it empty). Taken out here, put back below.
            List<ChainEventRecord> late;
            await using (var scope = b.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
                late = await db.ChainEvents.AsNoTracking().Where(e => e.TransactionHash == revoked.TransactionHash.ToLowerInvariant()).ToListAsync();
                Assert.Equal(2, late.Count);
                await db.ChainEvents.Where(e => e.TransactionHash == revoked.TransactionHash.ToLowerInvariant()).ExecuteDeleteAsync();
            }
            var passed = await ReadAsync(a, first, second);
            Assert.NotNull(passed.Issued(Hex(second)));
            Assert.Null(passed.Revoked(Hex(first))); // what the index holds: nothing of the revocation yet
            await using (var scope = b.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
                foreach (var row in late) row.Id = 0;
                db.ChainEvents.AddRange(late);
                await db.SaveChangesAsync();
            }
            // Stored below the copy's reach: counted again within RecountAfter, and loaded.
            await Task.Delay(DocumentStoreEventCache.RecountAfter + TimeSpan.FromMilliseconds(100));

            var after = await ReadAsync(a, first, second);
            Assert.Equal((issuedSecond.TransactionHash, issuedSecond.BlockNumber), (after.Issued(Hex(second))!.TransactionHash, after.Issued(Hex(second))!.BlockNumber));
            var revocation = after.Revoked(Hex(first))!;
            Assert.Equal((revoked.TransactionHash, revoked.BlockNumber, "0x" + Convert.ToHexStringLower(reason)), (revocation.TransactionHash, revocation.BlockNumber, revocation.ReasonHash));
            Assert.True(after.CheckedThrough >= revoked.BlockNumber);
            // A's answer equals what a replica started now (nothing in memory) loads from the index in one go.
            await using var fresh = DocumentService();
            var freshIndexer = fresh.GetRequiredService<ChainIndexer>();
            await freshIndexer.StartAsync(CancellationToken.None);
            try
            {
                var again = await ReadAsync(fresh, first, second);
                Assert.Equal(again.Revoked(Hex(first)), revocation);
                Assert.Equal(again.Issued(Hex(second)), after.Issued(Hex(second)));
            }
            finally
            {
                await freshIndexer.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            await indexer.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Returns once the indexer of <paramref name="service"/> has finished the round it runs as it starts.</summary>
    private static async Task FirstRoundAsync(ServiceProvider service)
    {
        var index = service.GetRequiredService<ChainIndex>();
        var contract = index.Sources.Single().Contract;
        for (var waited = 0; index.IndexedThrough(contract) is null; waited += 20)
        {
            if (waited > 30_000) throw new TimeoutException("The indexer's first round did not end in 30 s.");
            await Task.Delay(20);
        }
    }

    private static async Task<DocumentStoreRecords> ReadAsync(ServiceProvider service, params byte[][] documents)
    {
        await using var scope = service.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DocumentStoreEvents>().ReadAsync([.. documents.Select(Hex)], CancellationToken.None);
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    [Fact]
    public async Task A_read_of_the_chains_head_is_shared_only_by_readers_whose_moment_came_before_it_began()
    {
        await using var proxy = new JsonRpcProxy(_anvil.RpcUrl);
        var chain = _anvil.OptionsFor(DevelopmentAccounts.DocumentsKey);
        chain.RpcUrl = proxy.Url;
        var writer = new ChainWriter(chain, Microsoft.Extensions.Logging.Abstractions.NullLogger<ChainWriter>.Instance);
        var index = new ChainIndex([], writer, chain, Options.Create(new ChainIndexOptions()));
        long HeadReads() => proxy.Calls.GetValueOrDefault("eth_blockNumber");
        var head = await new Web3(_anvil.RpcUrl).Eth.Blocks.GetBlockNumber.SendRequestAsync();

        // Two readers whose moment came before the first read began: one read between them.
        var moment = System.Diagnostics.Stopwatch.GetTimestamp();
        var reads = HeadReads();
        Assert.Equal((long)head.Value, await index.FinalBlockAsync(moment));
        Assert.Equal((long)head.Value, await index.FinalBlockAsync(moment));
        Assert.Equal(reads + 1, HeadReads());

        // A block mined after that read: a reader whose moment is after the mining is not given the old read, but the new head.
        await ChainHistoryTests.MineAsync(_anvil.RpcUrl, 1);
        Assert.Equal((long)head.Value + 1, await index.FinalBlockAsync(System.Diagnostics.Stopwatch.GetTimestamp()));
        Assert.Equal(reads + 2, HeadReads());
        // Without a moment, the call's own: a read begun at or after the call — here its own, as none began since.
        Assert.Equal((long)head.Value + 1, await index.FinalBlockAsync());
        Assert.Equal(reads + 3, HeadReads());
    }

    /// <summary>The index holds exactly the registry's logs on chain (read directly from anvil, all at once), each once.</summary>
    private async Task AssertIndexHoldsTheChainAsync(ServiceProvider service, string registry)
    {
        var web3 = new Web3(_anvil.RpcUrl);
        var head = await HeadAsync();
        var logs = await web3.Eth.Filters.GetLogs.SendRequestAsync(new NewFilterInput
        {
            Address = [registry], FromBlock = new BlockParameter(0), ToBlock = new BlockParameter(new HexBigInteger(head)),
        });
        await using var scope = service.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
        var rows = await db.ChainEvents.Where(e => e.BlockNumber <= head).OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex).ToListAsync();
        Assert.Equal(logs.Select(l => $"{l.TransactionHash.ToLowerInvariant()}/{l.LogIndex.Value}"), rows.Select(r => $"{r.TransactionHash}/{r.LogIndex}"));
        Assert.Equal(logs.Select(l => string.Join(",", l.Topics.Select(t => t.ToString()!.ToLowerInvariant()))),
            rows.Select(r => string.Join(",", r.ToFilterLog().Topics.Select(t => t.ToString()))));
    }

    private static async Task<IReadOnlyList<TitleEvent>> HistoryAsync(ServiceProvider service, byte[] root)
    {
        await using var scope = service.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TitleEvents>().HistoryAsync(root, CancellationToken.None);
    }

    private static async Task<long> CursorAsync(ServiceProvider service)
    {
        await using var scope = service.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<DocumentsDbContext>().ChainCursors.SingleAsync(c => c.Source == TitleEvents.Source)).NextBlock;
    }

    private async Task<long> HeadAsync() => (long)(await new Web3(_anvil.RpcUrl).Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    private static byte[] Root(int n) => Nethereum.Util.Sha3Keccack.Current.CalculateHash(System.Text.Encoding.UTF8.GetBytes($"chain-index-title-{n}-{Guid.NewGuid()}"));

    private static string Address(int n) => new Nethereum.Web3.Accounts.Account(PartyWallets.DevelopmentKey($"CHAIN-INDEX-PARTY-{n}")).Address;
}

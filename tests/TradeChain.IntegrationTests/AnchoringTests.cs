using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradeChain.Domain;
using TradeChain.IntegrationTests.Infrastructure;
using TradeChain.Ledger;
using TradeChain.Ledger.Merkle;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.IntegrationTests;

/// <summary>The transition log on a real SQLite database, anchored by the real worker on a real anvil chain.</summary>
public sealed class AnchoringTests : IAsyncLifetime
{
    private AnvilNode _chain = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _chain = await AnvilNode.StartAsync();
        _dir = TestEnvironment.NewTempDirectory("anchoring");
    }

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    private ServiceProvider Services(int maxBatchSize, string database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new ServiceIdentity("test"));
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<WorkSignalInterceptor>();
        services.AddDbContext<ShipmentDb>((sp, o) => o.UseSqlite($"Data Source={Path.Combine(_dir, database)}").AddInterceptors(sp.GetRequiredService<WorkSignalInterceptor>()));
        services.AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<ShipmentDb>());
        services.AddSingleton(_chain.OptionsFor(DevelopmentAccounts.CustomsKey));
        services.AddSingleton<ChainWriter>();
        services.AddSingleton<TransitionAnchorClient>();
        services.AddSingleton(Options.Create(new AnchoringOptions { MaxBatchSize = maxBatchSize, MaxWaitMs = 0 }));
        services.AddSingleton<AnchoringWorker>();
        services.AddScoped<TransitionHistory>();
        var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        scope.ServiceProvider.GetRequiredService<ShipmentDb>().Database.EnsureCreated();
        return provider;
    }

    private static async Task<string> RecordShipmentAsync(ServiceProvider services, int steps)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShipmentDb>();
        var shipment = new Shipment(Guid.NewGuid().ToString());
        for (var i = 0; i < steps; i++) shipment.Advance($"step {i + 1}");
        db.Shipments.Add(shipment);
        await db.SaveChangesAsync();
        return shipment.Id;
    }

    private static async Task<int> AnchorAllAsync(ServiceProvider services)
    {
        var worker = services.GetRequiredService<AnchoringWorker>();
        var batches = 0;
        while ((await worker.AnchorNextBatchAsync(CancellationToken.None, force: true)).Anchored > 0) batches++;
        return batches;
    }

    [Fact]
    public async Task Transitions_are_batched_into_Merkle_roots_on_chain_and_each_proof_checks()
    {
        await using var services = Services(maxBatchSize: 4, "batched.db");
        var id = await RecordShipmentAsync(services, 10);

        Assert.Equal(3, await AnchorAllAsync(services)); // 4 + 4 + 2

        await using var scope = services.CreateAsyncScope();
        var history = await scope.ServiceProvider.GetRequiredService<TransitionHistory>().GetAsync("shipment", id, CancellationToken.None);
        Assert.Equal(10, history.Transitions.Count);
        Assert.All(history.Transitions, t =>
        {
            Assert.Equal("anchored", t.Anchor.Status);
            Assert.True(t.Anchor.ProofValid);
            Assert.True(t.Anchor.RootOnChain);
        });
        Assert.Equal([4, 4, 4, 4, 4, 4, 4, 4, 2, 2], history.Transitions.Select(t => t.Anchor.BatchSize!.Value));
        Assert.Equal(3, history.Transitions.Select(t => t.Anchor.Root).Distinct().Count());

        // The chain itself says how many transitions each root covers.
        var anchor = services.GetRequiredService<TransitionAnchorClient>();
        var onChain = await anchor.GetAsync(Hex.Decode(history.Transitions[0].Anchor.Root!));
        Assert.Equal(4, onChain!.TransitionCount);
    }

    [Fact]
    public async Task Batch_size_one_is_one_transaction_per_transition()
    {
        await using var services = Services(maxBatchSize: 1, "single.db");
        var id = await RecordShipmentAsync(services, 3);

        Assert.Equal(3, await AnchorAllAsync(services));

        await using var scope = services.CreateAsyncScope();
        var history = await scope.ServiceProvider.GetRequiredService<TransitionHistory>().GetAsync("shipment", id, CancellationToken.None);
        Assert.Equal(3, history.Transitions.Select(t => t.Anchor.TransactionHash).Distinct().Count());
        Assert.All(history.Transitions, t => Assert.Equal((t.Leaf, 0), (t.Anchor.Root!, t.Anchor.Proof.Count)));
    }

    [Fact]
    public async Task A_transition_edited_in_the_database_fails_verification_against_the_chain()
    {
        await using var services = Services(maxBatchSize: 8, "tampered.db");
        var id = await RecordShipmentAsync(services, 5);
        await AnchorAllAsync(services);

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "tampered.db")}"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "UPDATE transitions SET Reason = 'step 3 (quietly rewritten)' WHERE AggregateId = $id AND Sequence = 3";
            command.Parameters.AddWithValue("$id", id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var scope = services.CreateAsyncScope();
        var history = await scope.ServiceProvider.GetRequiredService<TransitionHistory>().GetAsync("shipment", id, CancellationToken.None);
        var tampered = history.Transitions.Single(t => t.Sequence == 3);
        Assert.False(tampered.Anchor.ProofValid);
        Assert.StartsWith("tampered", tampered.Anchor.Verdict);
        Assert.All(history.Transitions.Where(t => t.Sequence != 3), t => Assert.True(t.Anchor.ProofValid));
    }

    [Fact]
    public async Task Nothing_is_anchored_before_the_batch_fills_or_the_oldest_transition_has_waited_long_enough()
    {
        await using var services = Services(maxBatchSize: 50, "waiting.db");
        var options = services.GetRequiredService<IOptions<AnchoringOptions>>().Value;
        options.MaxWaitMs = 60_000;
        await RecordShipmentAsync(services, 2);

        var result = await services.GetRequiredService<AnchoringWorker>().AnchorNextBatchAsync(CancellationToken.None);

        Assert.Equal(0, result.Anchored);
        Assert.NotNull(result.RetryIn);
    }

    private sealed class Shipment(string id) : Aggregate
    {
        public string Id { get; private set; } = id;

        public string State { get; private set; } = "s0";

        public override string AggregateType => "shipment";

        public override string AggregateKey => Id;

        public void Advance(string reason)
        {
            var next = $"s{Version + 1}";
            RecordTransition(State, next, "tester", reason, null, DateTimeOffset.UtcNow);
            State = next;
        }
    }

    private sealed class ShipmentDb(DbContextOptions<ShipmentDb> options, ServiceIdentity service) : ServiceDbContext(options, service)
    {
        public DbSet<Shipment> Shipments => Set<Shipment>();

        protected override void ConfigureDomain(ModelBuilder model) => model.Entity<Shipment>(e =>
        {
            e.HasKey(s => s.Id);
            e.Ignore(s => s.PendingTransitions);
        });
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TradeChain.Domain;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Transitions;

namespace TradeChain.Testing;

/// <summary>
/// The transition log and the real anchoring worker on a SQLite file, signing with the customs development account
/// on a real chain — without the rest of a service. For anchoring tests and the anchoring-capacity benchmark.
/// </summary>
public sealed class AnchoringRig : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public AnchoringRig(AnvilNode chain, string databasePath, int maxBatchSize, int maxWaitMs = 0)
    {
        DatabasePath = databasePath;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new ServiceIdentity("test"));
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<WorkSignalInterceptor>();
        services.AddDbContext<ShipmentDb>((sp, o) => o.UseSqlite($"Data Source={databasePath}")
            .AddInterceptors(SqlitePragmas.Instance, sp.GetRequiredService<WorkSignalInterceptor>(), new TransactionEndInterceptor(sp.GetRequiredService<WorkSignal>())));
        services.AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<ShipmentDb>());
        services.AddSingleton(chain.OptionsFor(DevelopmentAccounts.CustomsKey));
        services.AddSingleton<ChainWriter>();
        services.AddSingleton<TransitionAnchorClient>();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new AnchoringOptions { MaxBatchSize = maxBatchSize, MaxWaitMs = maxWaitMs }));
        services.AddSingleton<AnchoringWorker>();
        services.AddScoped<TransitionHistory>();
        _services = services.BuildServiceProvider();
        using var scope = _services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShipmentDb>();
        db.Database.EnsureCreated(); // a test-only context (no service's schema, no migrations): made from its model
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
    }

    public string DatabasePath { get; }

    public AnchoringWorker Worker => _services.GetRequiredService<AnchoringWorker>();

    public AnchoringOptions Options => _services.GetRequiredService<IOptions<AnchoringOptions>>().Value;

    public TransitionAnchorClient Anchor => _services.GetRequiredService<TransitionAnchorClient>();

    /// <summary>Records one shipment with <paramref name="steps"/> transitions in one database transaction; returns its id.</summary>
    public async Task<string> RecordShipmentAsync(int steps)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShipmentDb>();
        var shipment = new Shipment(Guid.NewGuid().ToString());
        for (var i = 0; i < steps; i++) shipment.Advance($"step {i + 1}");
        db.Shipments.Add(shipment);
        await db.SaveChangesAsync();
        return shipment.Id;
    }

    /// <summary>Anchors everything pending, batch after batch; returns the number of batches (one transaction each).</summary>
    public async Task<int> AnchorAllAsync()
    {
        var batches = 0;
        while ((await Worker.AnchorNextBatchAsync(CancellationToken.None, force: true)).Anchored > 0) batches++;
        return batches;
    }

    public async Task<HistoryView> HistoryAsync(string shipmentId)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TransitionHistory>().GetAsync("shipment", shipmentId, CancellationToken.None);
    }

    /// <summary>
    /// The shipment's history once the chain answered for every root: read again (at most 30 s) while a root is "unchecked".
    /// A history's chain checks have 5 s in all (<see cref="TransitionHistory.ChainChecksDeadline"/>); on two cores shared with
    /// other suites, a node just resumed or busy may take longer, and the history rightly says unchecked, not verified.
    /// </summary>
    public async Task<HistoryView> CheckedHistoryAsync(string shipmentId)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
        {
            var history = await HistoryAsync(shipmentId);
            if (history.Transitions.All(t => t.Anchor.Status != "unchecked") || DateTime.UtcNow > deadline) return history;
        }
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

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

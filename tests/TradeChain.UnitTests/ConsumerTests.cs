using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Customs.Consumers;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.Payments.Consumers;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>Consumers on MassTransit's in-memory test harness, each with its own SQLite database file.</summary>
public sealed class ConsumerTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tradechain-consumers-" + Guid.NewGuid().ToString("N"));
    private readonly List<ServiceProvider> _providers = [];

    private static readonly CustomsProcess Customs = new(CustomsFixtures.SampleTariff, CustomsFixtures.SampleRates,
        new SelectivityEngine([], new Dictionary<Lane, decimal>(), seed: 1));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers) await provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private async Task<(ServiceProvider Provider, ITestHarness Harness)> StartAsync<TContext>(string service, Action<IBusRegistrationConfigurator> consumers)
        where TContext : ServiceDbContext
    {
        var services = new ServiceCollection()
            .AddSingleton(new ServiceIdentity(service))
            .AddSingleton(Customs)
            .AddSingleton(TimeProvider.System)
            .AddDbContext<TContext>(o => o.UseServiceDatabase($"Data Source={Path.Combine(_dir, service + ".db")}"))
            .AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<TContext>())
            .AddMassTransitTestHarness(consumers);
        var provider = services.BuildServiceProvider(validateScopes: true);
        _providers.Add(provider);
        await using (var scope = provider.CreateAsyncScope()) await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<TContext>());
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return (provider, harness);
    }

    /// <summary>Publishes with the given MessageId and waits until the consumers have handled <paramref name="totalDeliveries"/> deliveries in all.</summary>
    private async Task PublishAndWaitAsync<TMessage>(ITestHarness harness, TMessage message, Guid messageId, int totalDeliveries)
        where TMessage : class
    {
        var counter = _counters.GetValueOrDefault(harness) ?? (_counters[harness] = Connect(harness));
        await harness.Bus.Publish(message, ctx => ctx.MessageId = messageId);
        for (var i = 0; i < 200 && counter.Handled < totalDeliveries; i++) await Task.Delay(25);
        Assert.Equal(totalDeliveries, counter.Handled);
        Assert.Equal(0, counter.Faults);
    }

    private readonly Dictionary<ITestHarness, DeliveryCounter> _counters = [];

    private static DeliveryCounter Connect(ITestHarness harness)
    {
        var counter = new DeliveryCounter();
        harness.Bus.ConnectConsumeObserver(counter);
        return counter;
    }

    /// <summary>Counts every delivery a consumer finished, redeliveries of the same MessageId included.</summary>
    private sealed class DeliveryCounter : IConsumeObserver
    {
        private int _handled;
        private int _faults;

        public int Handled => Volatile.Read(ref _handled);

        public int Faults => Volatile.Read(ref _faults);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            Interlocked.Increment(ref _handled);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class
        {
            Interlocked.Increment(ref _faults);
            Interlocked.Increment(ref _handled);
            return Task.CompletedTask;
        }
    }

    private static DocumentVerificationCompleted AllValid(Declaration declaration) => new(declaration.Id, true,
        declaration.Content.Documents.Select(d => new DocumentVerdict(d.Hash, true, d.Type, "issued")).ToList());

    [Fact]
    public async Task A_verification_result_for_an_earlier_version_is_ignored()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x => x.AddConsumer<DocumentVerificationCompletedConsumer>());
        var declaration = await SeedDeclarationAsync(provider);
        var stale = new DocumentVerificationCompleted(declaration.Id, true, [new DocumentVerdict("0x" + new string('9', 64), true, "commercial-invoice", "issued")]);

        await PublishAndWaitAsync<DocumentVerificationCompleted>(harness, stale, Guid.NewGuid(), 1);

        await using var scope = provider.CreateAsyncScope();
        Assert.Equal(DeclarationStatus.Registered, (await scope.ServiceProvider.GetRequiredService<CustomsDbContext>().Declarations.SingleAsync()).Status);
    }

    private static async Task<Declaration> SeedDeclarationAsync(ServiceProvider provider)
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var declaration = CustomsFixtures.Lodged(CustomsFixtures.Content(DeclarationType.Export, CustomsFixtures.Item(value: 48_000m)));
        db.Declarations.Add(declaration);
        await db.SaveChangesAsync();
        return declaration;
    }

    [Fact]
    public async Task A_redelivered_duty_payment_request_opens_one_payment()
    {
        var (provider, harness) = await StartAsync<PaymentsDbContext>("payments", x => x.AddConsumer<DutyPaymentRequestedConsumer>());
        var request = new DutyPaymentRequested("DUTY-1", Guid.NewGuid(), "EXP-ACME", 720m, "USD");
        var messageId = Guid.NewGuid();

        await PublishAndWaitAsync<DutyPaymentRequested>(harness, request, messageId, 1);
        await PublishAndWaitAsync<DutyPaymentRequested>(harness, request, messageId, 2);
        // Even a fresh message for the same reference changes nothing: the reference is the key.
        await PublishAndWaitAsync<DutyPaymentRequested>(harness, request, Guid.NewGuid(), 3);

        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var payment = await db.DutyPayments.SingleAsync();
        Assert.Equal((720m, "USD", "EXP-ACME"), (payment.Amount, payment.Currency, payment.PayerParty));
        Assert.Equal(1, await db.Transitions.CountAsync());
        Assert.Equal(2, await db.ProcessedMessages.CountAsync());
    }

    [Fact]
    public async Task Verified_documents_lead_to_assessment_and_one_payment_request_even_when_redelivered()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x => x.AddConsumer<DocumentVerificationCompletedConsumer>());
        var declaration = await SeedDeclarationAsync(provider);
        var verdicts = AllValid(declaration);
        var messageId = Guid.NewGuid();

        await PublishAndWaitAsync<DocumentVerificationCompleted>(harness, verdicts, messageId, 1);
        await PublishAndWaitAsync<DocumentVerificationCompleted>(harness, verdicts, messageId, 2);

        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var assessed = await db.Declarations.SingleAsync();
        Assert.Equal(DeclarationStatus.Assessed, assessed.Status);
        Assert.Equal(Lane.Green, assessed.Lane);
        Assert.Equal(24_000_000m, assessed.Assessment!.TotalPayable); // 48,000 USD × 25,000 VND × 2 % export duty
        var outbox = await db.Outbox.SingleAsync();
        Assert.Equal(nameof(DutyPaymentRequested), outbox.MessageType);
        Assert.Contains("\"amount\":24000000", outbox.Payload);
        Assert.Equal(["Registered", "Assessed"], await db.Transitions.OrderBy(t => t.Sequence).Select(t => t.ToState).ToListAsync());
    }

    [Fact]
    public async Task A_failed_document_rejects_the_declaration_naming_the_document_and_the_reason()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x => x.AddConsumer<DocumentVerificationCompletedConsumer>());
        var declaration = await SeedDeclarationAsync(provider);
        var hash = declaration.DocumentHashes[0];
        var verdicts = new DocumentVerificationCompleted(declaration.Id, false,
            [new DocumentVerdict(hash, false, "certificate-of-origin", "revoked in block 9"), new DocumentVerdict(declaration.DocumentHashes[1], true, "commercial-invoice", "issued")]);

        await PublishAndWaitAsync<DocumentVerificationCompleted>(harness, verdicts, Guid.NewGuid(), 1);

        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var rejected = await db.Declarations.SingleAsync();
        Assert.Equal(DeclarationStatus.Rejected, rejected.Status);
        Assert.Contains(hash, rejected.StatusReason);
        Assert.Contains("revoked in block 9", rejected.StatusReason);
        Assert.Empty(await db.Outbox.ToListAsync());
    }

    [Fact]
    public async Task A_settled_payment_releases_a_green_lane_declaration_once()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x =>
        {
            x.AddConsumer<DocumentVerificationCompletedConsumer>();
            x.AddConsumer<DutyPaymentSettledConsumer>();
        });
        var declaration = await SeedDeclarationAsync(provider);
        await PublishAndWaitAsync<DocumentVerificationCompleted>(harness,
            AllValid(declaration), Guid.NewGuid(), 1);
        string reference;
        await using (var scope = provider.CreateAsyncScope())
            reference = (await scope.ServiceProvider.GetRequiredService<CustomsDbContext>().Declarations.SingleAsync()).PaymentReference!;

        var settled = new DutyPaymentSettled(reference, declaration.Id, 24_000_000m, "VND", "BNK-1", 0);
        await PublishAndWaitAsync<DutyPaymentSettled>(harness, settled, Guid.NewGuid(), 2);
        await PublishAndWaitAsync<DutyPaymentSettled>(harness, settled, Guid.NewGuid(), 3);

        await using var check = provider.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<CustomsDbContext>();
        Assert.Equal(DeclarationStatus.Released, (await db.Declarations.SingleAsync()).Status);
        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], await db.Transitions.OrderBy(t => t.Sequence).Select(t => t.ToState).ToListAsync());
    }
}

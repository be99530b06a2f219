using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TradeChain.Customs.Application;
using TradeChain.Customs.Consumers;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.Payments.Application;
using TradeChain.Payments.Consumers;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;
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
        var saves = new SaveCounter();
        var services = new ServiceCollection()
            .AddSingleton(new ServiceIdentity(service))
            .AddSingleton(Customs)
            .AddSingleton(TimeProvider.System)
            .AddDbContext<TContext>(o => o.UseServiceDatabase($"Data Source={Path.Combine(_dir, service + ".db")}").AddInterceptors(saves))
            .AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<TContext>())
            .AddCustomsUseCases()
            .AddPaymentsUseCases()
            .AddMassTransitTestHarness(consumers);
        var provider = services.BuildServiceProvider(validateScopes: true);
        _providers.Add(provider);
        await using (var scope = provider.CreateAsyncScope()) await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<TContext>());
        var harness = provider.GetRequiredService<ITestHarness>();
        _saves[harness] = saves;
        await harness.Start();
        return (provider, harness);
    }

    /// <summary>Publishes with the given MessageId and waits until the consumers have handled <paramref name="totalDeliveries"/> deliveries in all.</summary>
    private async Task PublishAndWaitAsync<TMessage>(ITestHarness harness, TMessage message, Guid messageId, int totalDeliveries)
        where TMessage : class
    {
        var counter = _counters.GetValueOrDefault(harness) ?? (_counters[harness] = Connect(harness));
        await harness.Bus.Publish(message, ctx => ctx.MessageId = messageId);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); counter.Handled < totalDeliveries && DateTime.UtcNow < deadline;) await Task.Delay(25);
        Assert.Equal(totalDeliveries, counter.Handled);
        Assert.Equal(0, counter.Faults);
    }

    private readonly Dictionary<ITestHarness, DeliveryCounter> _counters = [];

    /// <summary>The SaveChanges calls that committed on each harness's service database (one SaveChanges, one transaction).</summary>
    private readonly Dictionary<ITestHarness, SaveCounter> _saves = [];

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

    private static DeclarationDocumentsVerified AllValid(Declaration declaration) => new(declaration.Id, true,
        declaration.Content.Documents.Select(d => new DocumentVerdict(d.Hash, true, d.Type, "issued")).ToList());

    [Fact]
    public async Task A_verification_result_for_an_earlier_version_is_ignored()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x => x.AddConsumer<DeclarationDocumentsVerifiedConsumer>());
        var declaration = await SeedDeclarationAsync(provider);
        var stale = new DeclarationDocumentsVerified(declaration.Id, true, [new DocumentVerdict("0x" + new string('9', 64), true, "commercial-invoice", "issued")]);

        await PublishAndWaitAsync<DeclarationDocumentsVerified>(harness, stale, Guid.NewGuid(), 1);

        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        Assert.Equal(DeclarationStatus.Registered, (await db.Declarations.SingleAsync()).Status);
        Assert.Empty(await db.ProcessedMessages.ToListAsync()); // ignored: no inbox row, no write at all
    }

    private static async Task<Declaration> SeedDeclarationAsync(ServiceProvider provider, string localReferenceNumber = "LRN-1")
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var declaration = Declaration.Lodge(Guid.NewGuid(), localReferenceNumber, "EXP-ACME", CustomsFixtures.Content(DeclarationType.Export, CustomsFixtures.Item(value: 48_000m)),
            "anh@EXP-ACME", CustomsFixtures.Now, referenceUsedBy: null);
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
        // The first message's inbox row only: the fresh message for the same reference was ignored, so it left none.
        Assert.Equal(messageId, (await db.ProcessedMessages.SingleAsync()).MessageId);
    }

    [Fact]
    public async Task Verified_documents_lead_to_assessment_and_one_payment_request_even_when_redelivered()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x => x.AddConsumer<DeclarationDocumentsVerifiedConsumer>());
        var declaration = await SeedDeclarationAsync(provider);
        var verdicts = AllValid(declaration);
        var messageId = Guid.NewGuid();

        await PublishAndWaitAsync<DeclarationDocumentsVerified>(harness, verdicts, messageId, 1);
        await PublishAndWaitAsync<DeclarationDocumentsVerified>(harness, verdicts, messageId, 2);

        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var assessed = await db.Declarations.SingleAsync();
        Assert.Equal(DeclarationStatus.Assessed, assessed.Status);
        Assert.Equal(Lane.Green, assessed.Lane);
        Assert.Equal(24_000_000m, assessed.Assessment!.TotalPayable); // 48,000 USD × 25,000 VND × 2 % export duty
        // The lodgement's verification request, then one payment request however often the answer came.
        var outbox = await db.Outbox.OrderBy(m => m.Id).ToListAsync();
        Assert.Equal([nameof(DeclarationDocumentsVerificationRequested), nameof(DutyPaymentRequested)], outbox.Select(m => m.MessageType));
        Assert.Contains("\"amount\":24000000", outbox[1].Payload);
        Assert.Contains($"\"paymentReference\":\"{assessed.PaymentReference}\"", outbox[1].Payload);
        Assert.Equal(["Registered", "Assessed"], await db.Transitions.OrderBy(t => t.Sequence).Select(t => t.ToState).ToListAsync());
    }

    [Fact]
    public async Task A_failed_document_rejects_the_declaration_naming_the_document_and_the_reason()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x => x.AddConsumer<DeclarationDocumentsVerifiedConsumer>());
        var declaration = await SeedDeclarationAsync(provider);
        var hash = declaration.DocumentHashes[0];
        var verdicts = new DeclarationDocumentsVerified(declaration.Id, false,
            [new DocumentVerdict(hash, false, "certificate-of-origin", "revoked in block 9"), new DocumentVerdict(declaration.DocumentHashes[1], true, "commercial-invoice", "issued")]);

        await PublishAndWaitAsync<DeclarationDocumentsVerified>(harness, verdicts, Guid.NewGuid(), 1);

        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var rejected = await db.Declarations.SingleAsync();
        Assert.Equal(DeclarationStatus.Rejected, rejected.Status);
        Assert.Contains(hash, rejected.StatusReason);
        Assert.Contains("revoked in block 9", rejected.StatusReason);
        Assert.Equal([nameof(DeclarationDocumentsVerificationRequested)], await db.Outbox.Select(m => m.MessageType).ToListAsync()); // no payment request
        Assert.Equal(["revoked in block 9", "issued"], rejected.DocumentVerdicts.Select(v => v.Reason)); // kept, in the order received
    }

    /// <summary>Customs with both answers' consumers, and a declaration whose documents verified: assessed, its payment requested.</summary>
    private async Task<(ServiceProvider Provider, ITestHarness Harness, Declaration Declaration, string Reference)> StartAssessedAsync()
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x =>
        {
            x.AddConsumer<DeclarationDocumentsVerifiedConsumer>();
            // The service's own window is 5 ms, too short for messages published together to be sure of sharing one.
            x.AddConsumer<DutyPaymentSettledConsumer, WideWindow>();
        });
        var declaration = await SeedDeclarationAsync(provider);
        await PublishAndWaitAsync<DeclarationDocumentsVerified>(harness, AllValid(declaration), Guid.NewGuid(), 1);
        await using var scope = provider.CreateAsyncScope();
        var reference = (await scope.ServiceProvider.GetRequiredService<CustomsDbContext>().Declarations.SingleAsync()).PaymentReference!;
        return (provider, harness, declaration, reference);
    }

    [Fact]
    public async Task A_settled_payment_releases_a_green_lane_declaration_once()
    {
        var (provider, harness, declaration, reference) = await StartAssessedAsync();

        var settled = new DutyPaymentSettled(reference, declaration.Id, 24_000_000m, "VND", "BNK-1", 0);
        await PublishAndWaitAsync<DutyPaymentSettled>(harness, settled, Guid.NewGuid(), 2);
        await PublishAndWaitAsync<DutyPaymentSettled>(harness, settled, Guid.NewGuid(), 3);

        await using var check = provider.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<CustomsDbContext>();
        Assert.Equal(DeclarationStatus.Released, (await db.Declarations.SingleAsync()).Status);
        Assert.Equal(["Registered", "Assessed", "Paid", "Released"], await db.Transitions.OrderBy(t => t.Sequence).Select(t => t.ToState).ToListAsync());
        var released = Assert.Single(await db.Outbox.Where(m => m.MessageType == nameof(GoodsReleased)).ToListAsync());
        Assert.Contains($"\"declarationId\":\"{declaration.Id}\"", released.Payload);
    }

    [Fact]
    public async Task A_payment_for_a_withdrawn_reference_is_not_applied()
    {
        var (provider, harness, declaration, withdrawn) = await StartAssessedAsync();
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
            var assessed = await db.Declarations.SingleAsync();
            assessed.Amend(CustomsFixtures.Content(DeclarationType.Export, CustomsFixtures.Item(value: 50_000m)), "value corrected", "anh", CustomsFixtures.Now);
            await db.SaveChangesAsync();
        }

        await PublishAndWaitAsync<DutyPaymentSettled>(harness, new DutyPaymentSettled(withdrawn, declaration.Id, 24_000_000m, "VND", "BNK-1", 0), Guid.NewGuid(), 2);

        await using var check = provider.CreateAsyncScope();
        var checkDb = check.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var amended = await checkDb.Declarations.SingleAsync();
        Assert.Equal((DeclarationStatus.Registered, 2, 0m), (amended.Status, amended.ContentVersion, amended.AmountPaid));
        Assert.Equal(48_000m, Assert.Single(amended.PreviousVersions).Content.Items[0].CustomsValue);
        var withdrawal = Assert.Single(await checkDb.Outbox.Where(m => m.MessageType == nameof(DutyPaymentWithdrawn)).ToListAsync());
        Assert.Contains("declaration amended to version 2", withdrawal.Payload);
    }

    /// <summary>Customs with both answers' consumers and <paramref name="count"/> declarations whose documents verified: each assessed, its payment requested.</summary>
    private async Task<(ServiceProvider Provider, ITestHarness Harness, List<Declaration> Assessed)> StartManyAssessedAsync(int count)
    {
        var (provider, harness) = await StartAsync<CustomsDbContext>("customs", x =>
        {
            x.AddConsumer<DeclarationDocumentsVerifiedConsumer>();
            // The service's own window is 5 ms, too short for messages published together to be sure of sharing one.
            x.AddConsumer<DutyPaymentSettledConsumer, WideWindow>();
        });
        for (var i = 1; i <= count; i++) await PublishAndWaitAsync<DeclarationDocumentsVerified>(harness, AllValid(await SeedDeclarationAsync(provider, $"LRN-{i}")), Guid.NewGuid(), i);
        await using var scope = provider.CreateAsyncScope();
        var assessed = await scope.ServiceProvider.GetRequiredService<CustomsDbContext>().Declarations.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
        Assert.All(assessed, d => Assert.Equal(DeclarationStatus.Assessed, d.Status));
        return (provider, harness, assessed);
    }

    /// <summary>Publishes every message at once (they share the consumer's window) and waits until <paramref name="done"/> holds of the database.</summary>
    private static async Task PublishTogetherAsync(ServiceProvider provider, ITestHarness harness, IEnumerable<(DutyPaymentSettled Message, Guid MessageId)> messages,
        Func<CustomsDbContext, Task<bool>> done)
    {
        await Task.WhenAll(messages.Select(m => harness.Bus.Publish(m.Message, ctx => ctx.MessageId = m.MessageId)));
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(25))
        {
            await using var scope = provider.CreateAsyncScope();
            if (await done(scope.ServiceProvider.GetRequiredService<CustomsDbContext>())) return;
        }
        Assert.Fail("the settled payments were not applied within 30 s");
    }

    /// <summary>Customs' settled-payments consumer with a window wide enough that messages published together share it.</summary>
    private sealed class WideWindow() : BatchWindowDefinition<DutyPaymentSettledConsumer>(100, TimeSpan.FromSeconds(2));

    /// <summary>The inbox rows of the settled-payments consumer.</summary>
    private static IQueryable<ProcessedMessage> Settlements(CustomsDbContext db) => db.ProcessedMessages.Where(p => p.Consumer == nameof(DutyPaymentSettledConsumer));

    [Fact]
    public async Task Settled_payments_arriving_together_release_each_declaration_once_in_one_transaction()
    {
        var (provider, harness, assessed) = await StartManyAssessedAsync(3);
        var settled = assessed.Select(d => (Message: new DutyPaymentSettled(d.PaymentReference!, d.Id, 24_000_000m, "VND", "BNK-1", 0), MessageId: Guid.NewGuid())).ToList();
        var saves = _saves[harness].Count;

        // A redelivery skipped by the inbox is tested where applying twice would fail: BatchConsumerTests.
        await PublishTogetherAsync(provider, harness, settled, async db => await Settlements(db).CountAsync() == 3);
        // The counter moves just after each commit, so it may lag the rows: read it once it has stood still for 300 ms.
        var counted = Volatile.Read(ref _saves[harness].Count);
        for (var (deadline, still) = (DateTime.UtcNow.AddSeconds(10), DateTime.UtcNow); DateTime.UtcNow < deadline && DateTime.UtcNow - still < TimeSpan.FromMilliseconds(300); await Task.Delay(10))
            if (Volatile.Read(ref _saves[harness].Count) is var now && now != counted) (counted, still) = (now, DateTime.UtcNow);
        Assert.Equal(1, counted - saves); // the window's three in one SaveChanges: one transaction

        await using var check = provider.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<CustomsDbContext>();
        Assert.All(await db.Declarations.ToListAsync(), d => Assert.Equal((DeclarationStatus.Released, 24_000_000m), (d.Status, d.AmountPaid)));
        foreach (var declaration in assessed)
            Assert.Equal(["Registered", "Assessed", "Paid", "Released"],
                await db.Transitions.Where(t => t.AggregateId == declaration.Id.ToString()).OrderBy(t => t.Sequence).Select(t => t.ToState).ToListAsync());
        var released = await db.Outbox.Where(m => m.MessageType == nameof(GoodsReleased)).Select(m => m.Payload).ToListAsync();
        Assert.Equal(assessed.Select(d => d.Id.ToString()).Order(), released.Select(p => System.Text.Json.JsonDocument.Parse(p).RootElement.GetProperty("declarationId").GetString()!).Order());
        Assert.Equal(settled.Select(m => m.MessageId).Order(), (await Settlements(db).Select(p => p.MessageId).ToListAsync()).Order());
    }

    [Fact]
    public async Task A_faulty_settled_payment_in_a_window_keeps_none_of_the_others_from_taking_effect()
    {
        var (provider, harness, assessed) = await StartManyAssessedAsync(3);
        var counter = _counters[harness];
        var faultsBefore = counter.Faults;
        // The second declaration's payment names the wrong amount: the domain refuses it.
        var settled = assessed.Select((d, i) => (Message: new DutyPaymentSettled(d.PaymentReference!, d.Id, i == 1 ? 1m : 24_000_000m, "VND", "BNK-1", 0), MessageId: Guid.NewGuid())).ToList();

        await PublishTogetherAsync(provider, harness, settled, async db => await Settlements(db).CountAsync() == 2);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); counter.Faults == faultsBefore && DateTime.UtcNow < deadline;) await Task.Delay(25);

        await using var check = provider.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var statuses = await db.Declarations.OrderBy(d => d.Id).Select(d => d.Status).ToListAsync();
        Assert.Equal([DeclarationStatus.Released, DeclarationStatus.Assessed, DeclarationStatus.Released], statuses);
        Assert.Equal(new[] { settled[0].MessageId, settled[2].MessageId }.Order(), (await Settlements(db).Select(p => p.MessageId).ToListAsync()).Order());
        Assert.True(counter.Faults > faultsBefore, "the faulty message failed");
    }
}

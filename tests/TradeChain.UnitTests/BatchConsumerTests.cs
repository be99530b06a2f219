using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.UnitTests;

/// <summary>
/// <see cref="IdempotentBatchConsumer{TMessage}"/> on MassTransit's in-memory harness with a SQLite database: a window's
/// messages in one transaction, the inbox rules, and a faulty message failing alone through the services' own retry and
/// redelivery pipe.
/// </summary>
public sealed class BatchConsumerTests
{
    /// <summary>A test message: applied, it leaves a row keyed by <paramref name="Key"/> (applied twice, that row's key would clash).</summary>
    public sealed record Tally(string Key, bool Fail = false, bool Ignore = false);

    public sealed class TallyConsumer(PaymentsDbContext db, ILogger<TallyConsumer> logger) : IdempotentBatchConsumer<Tally>(db, logger)
    {
        /// <summary>How many messages each window had to apply (PrepareAsync's count), in order.</summary>
        public static readonly ConcurrentQueue<int> Windows = new();

        private readonly PaymentsDbContext _db = db;

        protected override Task PrepareAsync(IReadOnlyList<Tally> messages, CancellationToken cancellationToken)
        {
            Windows.Enqueue(messages.Count);
            return Task.CompletedTask;
        }

        protected override Task<bool> ApplyAsync(Tally message, CancellationToken cancellationToken)
        {
            if (message.Fail) throw new InvalidOperationException($"tally {message.Key} refused");
            if (message.Ignore) return Task.FromResult(false);
            // Any row of the service's database does: a chain cursor's key is its source.
            _db.ChainCursors.Add(new ChainCursor { Source = message.Key, Contract = "0x0", NextBlock = 1 });
            return Task.FromResult(true);
        }
    }

    // A window of 2 s: messages published together must share it even when the test's thread pool is starved for a moment
    // (unit test classes run in parallel on two cores).
    public sealed class TallyConsumerDefinition() : BatchWindowDefinition<TallyConsumer>(100, TimeSpan.FromSeconds(2), 2);

    private static async Task PublishTogetherAsync(ITestHarness harness, params (Tally Message, Guid MessageId)[] messages) =>
        await Task.WhenAll(messages.Select(m => harness.Bus.Publish(m.Message, ctx => ctx.MessageId = m.MessageId)));

    private static async Task WaitForAsync(PaymentsDatabase payments, Func<PaymentsDbContext, Task<bool>> done)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(25))
            if (await payments.WithDbAsync(done)) return;
        Assert.Fail("the messages were not applied within 30 s");
    }

    private static Task<List<Guid>> InboxAsync(PaymentsDbContext db) =>
        db.ProcessedMessages.Where(p => p.Consumer == nameof(TallyConsumer)).Select(p => p.MessageId).OrderBy(id => id).ToListAsync();

    [Fact]
    public async Task A_window_is_applied_in_one_transaction_with_inbox_rows_for_the_messages_applied_and_a_redelivery_changes_nothing()
    {
        TallyConsumer.Windows.Clear();
        var saves = new SaveCounter();
        await using var payments = await PaymentsDatabase.CreateAsync(x => x.AddConsumer<TallyConsumer, TallyConsumerDefinition>(), saves);
        var harness = payments.Provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var (one, two, ignored, four, five) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        await PublishTogetherAsync(harness, (new Tally("one"), one), (new Tally("two"), two), (new Tally("three", Ignore: true), ignored), (new Tally("four"), four));
        await WaitForAsync(payments, async db => await db.ChainCursors.CountAsync() == 3);
        // "two" again (the same MessageId: a redelivery) in a later window, with a new message.
        await PublishTogetherAsync(harness, (new Tally("two"), two), (new Tally("five"), five));
        await WaitForAsync(payments, db => db.ChainCursors.AnyAsync(c => c.Source == "five"));

        Assert.Equal([4, 1], TallyConsumer.Windows); // the first window together; the second applied "five" alone, "two" skipped by its inbox row
        Assert.Equal(2, saves.Count); // one transaction per window
        Assert.Equal(["five", "four", "one", "two"], await payments.WithDbAsync(db => db.ChainCursors.Select(c => c.Source).OrderBy(s => s).ToListAsync()));
        Assert.Equal(new[] { one, two, four, five }.Order(), await payments.WithDbAsync(InboxAsync)); // none for the ignored message
        Assert.False(await harness.Published.Any<Fault<Tally>>());
    }

    [Fact]
    public async Task A_faulty_message_fails_alone_its_retries_and_redeliveries_while_the_others_of_its_window_take_effect_once()
    {
        TallyConsumer.Windows.Clear();
        var deadLettered = new ConcurrentQueue<string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == TradeChainMetrics.MeterName && i.Name == "tradechain.messages.dead_lettered") l.EnableMeasurementEvents(i);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var labels = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if ((string?)labels["message_type"] == nameof(Tally)) deadLettered.Enqueue((string?)labels["queue"]);
        });
        listener.Start();
        // The services' pipe (BusRegistration): redelivery around the retries; no redelivery left, as after the last one.
        await using var payments = await PaymentsDatabase.CreateAsync(PaymentsDatabase.OnServicePipe(x => x.AddConsumer<TallyConsumer, TallyConsumerDefinition>()));
        var harness = payments.Provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var (good, faulty, other) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        await PublishTogetherAsync(harness, (new Tally("good"), good), (new Tally("faulty", Fail: true), faulty), (new Tally("other"), other));

        Assert.True(await harness.Published.Any<Fault<Tally>>(), "the faulty message faulted");
        for (var deadline = DateTime.UtcNow.AddSeconds(30); deadLettered.IsEmpty && DateTime.UtcNow < deadline;) await Task.Delay(50);
        await Task.Delay(500); // time for any other message wrongly failed with it to be counted too
        Assert.Equal(["tally"], deadLettered); // the faulty one alone reached the end of its redeliveries, on its queue
        var faults = harness.Published.Select<Fault<Tally>>().Select(f => f.Context.Message.Message.Key).ToList();
        Assert.Equal(["faulty"], faults);
        Assert.Equal(["good", "other"], await payments.WithDbAsync(db => db.ChainCursors.Select(c => c.Source).OrderBy(s => s).ToListAsync()));
        Assert.Equal(new[] { good, other }.Order(), await payments.WithDbAsync(InboxAsync));
        Assert.Equal([3], TallyConsumer.Windows); // one window, not run again whole: the faulty message was retried alone, then redelivered
    }
}

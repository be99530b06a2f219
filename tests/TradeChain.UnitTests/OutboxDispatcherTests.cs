using System.Reflection;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradeChain.Messages;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.UnitTests;

/// <summary>The outbox's attempt limit is for messages that cannot be published, not for a broker that is away.</summary>
public sealed class OutboxDispatcherTests
{
    [Fact]
    public async Task A_broker_outage_longer_than_the_attempt_limit_strands_no_message_and_an_unpublishable_one_is_set_aside()
    {
        await using var database = await PaymentsDatabase.CreateAsync(_ => { });
        var message = new DutyPaymentWithdrawn("DUTY-1-V1", Guid.NewGuid(), "amended");
        await database.WithDbAsync(async db =>
        {
            db.Outbox.Add(new OutboxMessage { MessageId = Guid.NewGuid(), MessageType = "NoSuchMessage", Payload = "{}" });
            db.Outbox.Add(new OutboxMessage
            {
                MessageId = Guid.NewGuid(), MessageType = MessageTypes.NameOf(typeof(DutyPaymentWithdrawn)),
                Payload = JsonSerializer.Serialize(message, ServiceDbContext.MessageJson),
            });
            return await db.SaveChangesAsync();
        });
        var bus = DispatchProxy.Create<IBus, Broker>();
        var broker = (Broker)(object)bus;
        var options = Options.Create(new OutboxOptions { MaxAttempts = 3 });
        var dispatcher = new OutboxDispatcher(database.Provider.GetRequiredService<IServiceScopeFactory>(), bus, new WorkSignal(), options,
            NullLogger<OutboxDispatcher>.Instance);

        broker.Away = true;
        for (var attempt = 0; attempt < 10; attempt++)
            await Assert.ThrowsAsync<IOException>(() => dispatcher.DispatchBatchAsync(CancellationToken.None));
        broker.Away = false;
        await dispatcher.DispatchBatchAsync(CancellationToken.None);

        var published = Assert.Single(broker.Published);
        Assert.Equal(message, published);
        var rows = await database.WithDbAsync(db => Task.FromResult(db.Outbox.OrderBy(m => m.Id).ToList()));
        Assert.Equal(3, rows[0].Attempts); // the unknown type: set aside after MaxAttempts, for an operator
        Assert.Null(rows[0].SentAtUnixMs);
        Assert.Equal(0, rows[1].Attempts); // ten failures of the broker used none of its attempts
        Assert.NotNull(rows[1].SentAtUnixMs);
    }

    [Fact]
    public async Task A_batch_is_marked_sent_in_one_commit_and_what_was_published_before_the_broker_went_away_stays_sent()
    {
        var saves = new SaveCounter();
        await using var database = await PaymentsDatabase.CreateAsync(_ => { }, saves);
        await database.WithDbAsync(async db =>
        {
            for (var i = 0; i < 5; i++)
                db.Outbox.Add(new OutboxMessage
                {
                    MessageId = Guid.NewGuid(), MessageType = MessageTypes.NameOf(typeof(DutyPaymentWithdrawn)),
                    Payload = JsonSerializer.Serialize(new DutyPaymentWithdrawn($"DUTY-{i}", Guid.NewGuid(), "amended"), ServiceDbContext.MessageJson),
                });
            return await db.SaveChangesAsync();
        });
        var bus = DispatchProxy.Create<IBus, Broker>();
        var broker = (Broker)(object)bus;
        var dispatcher = new OutboxDispatcher(database.Provider.GetRequiredService<IServiceScopeFactory>(), bus, new WorkSignal(),
            Options.Create(new OutboxOptions()), NullLogger<OutboxDispatcher>.Instance);

        broker.AwayAfter = 2;
        await Assert.ThrowsAsync<IOException>(() => dispatcher.DispatchBatchAsync(CancellationToken.None));
        var sent = await database.WithDbAsync(db => Task.FromResult(db.Outbox.OrderBy(m => m.Id).Select(m => m.SentAtUnixMs != null).ToList()));
        Assert.Equal([true, true, false, false, false], sent); // the two published before the failure are not published again

        saves.Count = 0;
        broker.AwayAfter = null;
        Assert.Equal(3, await dispatcher.DispatchBatchAsync(CancellationToken.None));
        Assert.Equal(1, saves.Count); // three messages, one commit
        Assert.Equal(5, broker.Published.Count);
    }

    /// <summary>A bus that publishes into a list, or fails as an unreachable broker does.</summary>
    public class Broker : DispatchProxy
    {
        public bool Away { get; set; }

        /// <summary>Goes away once it has published this many messages.</summary>
        public int? AwayAfter { get; set; }

        public List<object> Published { get; } = [];

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method?.Name != nameof(IPublishEndpoint.Publish)) throw new NotSupportedException(method?.Name);
            if (Away || Published.Count >= AwayAfter) return Task.FromException(new IOException("connection refused"));
            Published.Add(args![0]!);
            return Task.CompletedTask;
        }
    }
}

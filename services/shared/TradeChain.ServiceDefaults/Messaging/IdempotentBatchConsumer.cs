using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// <see cref="IdempotentConsumer{TMessage}"/> for messages that arrive in bulk (a settlement batch's receipt settles up to
/// a hundred duty payments at once), taken a window at a time (MassTransit's <c>Batch&lt;T&gt;</c>; the window is the
/// consumer's definition's). The window's effects and its inbox rows are saved in one unit of work: one inbox read for
/// the window, one read of what the messages change (<see cref="PrepareAsync"/>), one transaction — where the
/// one-at-a-time consumer pays each of those per message.
/// <list type="bullet">
/// <item>A message whose MessageId the inbox holds (or that came twice in the window) changes nothing, as one at a time.</item>
/// <item>Messages are applied in the order they arrived, on the same tracked records: two messages of one record in a window
/// see each other's effect, as they would one after the other.</item>
/// <item>When the window saved something, every message applied in it gets its inbox row, also one the handler ignored
/// (stale, unknown): its redelivery is then skipped, where handling it again would find the same reason to ignore it.
/// When nothing changed, no inbox row and no transaction.</item>
/// <item>When the window fails — a handler throws, or the save does (another delivery of one of its messages won the race)
/// — nothing of it is saved, and each message is applied again alone, with its own inbox check and transaction
/// (<see cref="IdempotentConsumer{TMessage}"/>'s rules): one faulty message keeps none of the others from taking effect.
/// If one still fails, the window fails with it and the bus retries each of its messages (those applied meanwhile are
/// then skipped by their inbox rows).</item>
/// </list>
/// Every failed attempt counts in <c>tradechain.consumer.errors</c> (labels consumer, message_type).
/// </summary>
public abstract class IdempotentBatchConsumer<TMessage>(ServiceDbContext db, ILogger logger) : IConsumer<Batch<TMessage>>
    where TMessage : class
{
    public async Task Consume(ConsumeContext<Batch<TMessage>> context)
    {
        try
        {
            await ConsumeWindowAsync(context);
        }
        catch (Exception) when (!context.CancellationToken.IsCancellationRequested) // a shutdown is no error
        {
            Inbox.CountError(GetType().Name, typeof(TMessage).Name);
            throw;
        }
    }

    /// <summary>
    /// Reads, tracked and in one go, what <paramref name="messages"/> will change, so that <see cref="HandleAsync"/> finds
    /// each record without a read of its own. Called once per window with the messages not yet applied; not called when a
    /// message is applied alone. By default nothing.
    /// </summary>
    protected virtual Task PrepareAsync(IReadOnlyList<TMessage> messages, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Applies one message to the domain. Do not save: the base class saves the window at once.</summary>
    protected abstract Task HandleAsync(TMessage message, CancellationToken cancellationToken);

    private async Task ConsumeWindowAsync(ConsumeContext<Batch<TMessage>> context)
    {
        var ct = context.CancellationToken;
        var consumer = GetType().Name;
        var arrived = new List<(Guid MessageId, TMessage Message)>(context.Message.Length);
        var distinct = new HashSet<Guid>();
        foreach (var delivery in context.Message)
        {
            var messageId = delivery.MessageId ?? throw new InvalidOperationException($"{typeof(TMessage).Name} arrived without a MessageId.");
            if (distinct.Add(messageId)) arrived.Add((messageId, delivery.Message));
        }
        var ids = distinct.ToList();
        var applied = (await db.ProcessedMessages.Where(p => p.Consumer == consumer && ids.Contains(p.MessageId)).Select(p => p.MessageId).ToListAsync(ct)).ToHashSet();
        var pending = arrived.Where(m => !applied.Contains(m.MessageId)).ToList();
        if (pending.Count < arrived.Count)
            logger.LogInformation("{Consumer} already handled {Count} of the window's {Total} messages; ignoring those redeliveries", consumer, arrived.Count - pending.Count, arrived.Count);
        if (pending.Count == 0) return;

        try
        {
            await PrepareAsync(pending.Select(m => m.Message).ToList(), ct);
            foreach (var (_, message) in pending) await HandleAsync(message, ct);
            if (!db.ChangeTracker.HasChanges())
            {
                logger.LogDebug("{Consumer} changed nothing for a window of {Count} messages; no inbox rows", consumer, pending.Count);
                return;
            }
            foreach (var (messageId, _) in pending) db.ProcessedMessages.Add(Inbox.Row(consumer, messageId));
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "{Consumer} could not apply a window of {Count} message(s) together; applying each alone", consumer, pending.Count);
            db.ChangeTracker.Clear();
            List<Exception>? failures = null;
            foreach (var (messageId, message) in pending)
            {
                try
                {
                    await Inbox.ApplyOnceAsync(db, logger, consumer, messageId, token => HandleAsync(message, token), ct);
                    db.ChangeTracker.Clear(); // the next message reads its record afresh
                }
                catch (Exception failure) when (!ct.IsCancellationRequested)
                {
                    db.ChangeTracker.Clear(); // nothing of the failed message stays for the next one's save
                    (failures ??= []).Add(failure);
                    logger.LogWarning(failure, "{Consumer} failed on message {MessageId} applied alone", consumer, messageId);
                }
            }
            if (failures is not null) throw failures.Count == 1 ? failures[0] : new AggregateException(failures);
        }
    }
}

/// <summary>
/// The window of a <c>Batch&lt;T&gt;</c> consumer: up to <paramref name="maxBatch"/> messages, collected for at most
/// <paramref name="window"/> from the first, one window at a time (MassTransit sets the endpoint's prefetch to match).
/// </summary>
public abstract class BatchWindowDefinition<TConsumer>(int maxBatch, TimeSpan window) : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.Options<BatchOptions>(o => o.SetMessageLimit(maxBatch).SetTimeLimit(window).SetConcurrencyLimit(1));
}

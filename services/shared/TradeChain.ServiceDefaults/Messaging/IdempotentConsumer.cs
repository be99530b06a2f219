using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// A consumer whose effect happens once per MessageId: the inbox row, the state change, the transitions and
/// any outgoing messages are saved in one transaction. A redelivered message is acknowledged and changes nothing.
/// A message the handler ignores (it left nothing to save: already applied by its key, stale, unknown) writes no inbox
/// row and no transaction at all; a redelivery of it is handled again and finds the same reason to ignore it. A handler
/// whose effect lies outside this database (a chain transaction) must be idempotent by itself.
/// Every failed attempt counts in <c>tradechain.consumer.errors</c> (labels consumer, message_type) before the bus retries it.
/// </summary>
public abstract class IdempotentConsumer<TMessage>(ServiceDbContext db, ILogger logger) : IConsumer<TMessage>
    where TMessage : class
{
    public async Task Consume(ConsumeContext<TMessage> context)
    {
        try
        {
            await ConsumeOnceAsync(context);
        }
        catch (Exception) when (!context.CancellationToken.IsCancellationRequested) // a shutdown is no error
        {
            TradeChainMetrics.ConsumerErrors.Add(1,
                new KeyValuePair<string, object?>("consumer", GetType().Name),
                new KeyValuePair<string, object?>("message_type", typeof(TMessage).Name));
            throw;
        }
    }

    private async Task ConsumeOnceAsync(ConsumeContext<TMessage> context)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException($"{typeof(TMessage).Name} arrived without a MessageId.");
        var consumer = GetType().Name;
        if (await db.ProcessedMessages.AnyAsync(p => p.MessageId == messageId && p.Consumer == consumer, context.CancellationToken))
        {
            logger.LogInformation("{Consumer} already handled message {MessageId}; ignoring the redelivery", consumer, messageId);
            return;
        }

        await HandleAsync(context.Message, context.CancellationToken);
        if (!db.ChangeTracker.HasChanges())
        {
            logger.LogDebug("{Consumer} changed nothing for message {MessageId}; no inbox row", consumer, messageId);
            return;
        }

        db.ProcessedMessages.Add(new ProcessedMessage
        {
            MessageId = messageId,
            Consumer = consumer,
            ProcessedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
        try
        {
            await db.SaveChangesAsync(context.CancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent delivery of the same message may have won the race: its effect stands, ours is discarded.
            if (!await AlreadyProcessedAsync(messageId, consumer)) throw;
            logger.LogInformation("{Consumer} lost a race on message {MessageId}; the other delivery's effect stands", consumer, messageId);
        }
    }

    /// <summary>Applies the message to the domain. Do not save: the base class saves everything at once.</summary>
    protected abstract Task HandleAsync(TMessage message, CancellationToken cancellationToken);

    private async Task<bool> AlreadyProcessedAsync(Guid messageId, string consumer)
    {
        db.ChangeTracker.Clear();
        return await db.ProcessedMessages.AnyAsync(p => p.MessageId == messageId && p.Consumer == consumer);
    }
}

using MassTransit;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;

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
            await Inbox.ApplyOnceAsync(db, logger, GetType().Name, Inbox.MessageIdOf(context), async ct =>
            {
                await HandleAsync(context.Message, ct);
                return db.ChangeTracker.HasChanges(); // nothing to save: the message was ignored
            }, context.CancellationToken);
        }
        catch (Exception) when (!context.CancellationToken.IsCancellationRequested) // a shutdown is no error
        {
            ConsumerErrors.Count(GetType().Name, typeof(TMessage).Name);
            throw;
        }
    }

    /// <summary>Applies the message to the domain. Do not save: the base class saves everything at once.</summary>
    protected abstract Task HandleAsync(TMessage message, CancellationToken cancellationToken);
}

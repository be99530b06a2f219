using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>The inbox rules the idempotent consumers share (<see cref="IdempotentConsumer{TMessage}"/>, <see cref="IdempotentBatchConsumer{TMessage}"/>).</summary>
internal static class Inbox
{
    /// <summary>
    /// One message in a unit of work of its own: skipped when the inbox holds its MessageId for <paramref name="consumer"/>;
    /// else handled, and what the handler changed saved with the inbox row in one transaction. A handler that changed
    /// nothing (<paramref name="handle"/> answers false) writes no inbox row and no transaction. A save that lost the race
    /// to another delivery of the same message (the inbox row exists now) leaves that delivery's effect standing.
    /// </summary>
    public static async Task ApplyOnceAsync(ServiceDbContext db, ILogger logger, string consumer, Guid messageId, Func<CancellationToken, Task<bool>> handle, CancellationToken ct)
    {
        if (await HoldsAsync(db, consumer, messageId, ct))
        {
            logger.LogInformation("{Consumer} already handled message {MessageId}; ignoring the redelivery", consumer, messageId);
            return;
        }

        if (!await handle(ct))
        {
            logger.LogDebug("{Consumer} changed nothing for message {MessageId}; no inbox row", consumer, messageId);
            return;
        }

        db.ProcessedMessages.Add(Row(consumer, messageId));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent delivery of the same message may have won the race: its effect stands, ours is discarded.
            db.ChangeTracker.Clear();
            if (!await HoldsAsync(db, consumer, messageId, CancellationToken.None)) throw;
            logger.LogInformation("{Consumer} lost a race on message {MessageId}; the other delivery's effect stands", consumer, messageId);
        }
    }

    public static ProcessedMessage Row(string consumer, Guid messageId) =>
        new() { MessageId = messageId, Consumer = consumer, ProcessedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };

    private static Task<bool> HoldsAsync(ServiceDbContext db, string consumer, Guid messageId, CancellationToken ct) => Holds(db, consumer, messageId, ct);

    /// <summary>
    /// Whether the consumer handled the message before: asked for every message applied one at a time (a window of
    /// <see cref="IdempotentBatchConsumer{TMessage}"/> asks once for all its messages, by its own query). Compiled (see
    /// <see cref="CompiledQuery"/>).
    /// </summary>
    internal static readonly Func<ServiceDbContext, string, Guid, CancellationToken, Task<bool>> Holds =
        CompiledQuery.PerModel((ServiceDbContext db, string consumer, Guid messageId, CancellationToken ct) =>
            db.ProcessedMessages.Any(p => p.MessageId == messageId && p.Consumer == consumer));

    /// <summary>The message's MessageId: what the inbox keys it by.</summary>
    public static Guid MessageIdOf(ConsumeContext context) => context.MessageId ?? throw WithoutMessageId(context);

    /// <summary>The failure of a message that came without a MessageId: the inbox cannot key it, so it cannot be applied exactly once.</summary>
    public static InvalidOperationException WithoutMessageId(ConsumeContext context) =>
        new($"{context.SupportedMessageTypes.FirstOrDefault()} arrived without a MessageId: it cannot be applied exactly once.");
}

/// <summary>The idempotent consumers' count of failures: <c>tradechain.consumer.errors</c>, labelled by consumer and message type.</summary>
internal static class ConsumerErrors
{
    /// <summary>A failed attempt (a message, or a window of messages), counted before the bus retries it.</summary>
    public static void Count(string consumer, string messageType) => TradeChainMetrics.ConsumerErrors.Add(1,
        new KeyValuePair<string, object?>("consumer", consumer),
        new KeyValuePair<string, object?>("message_type", messageType));
}

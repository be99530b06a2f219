using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// <see cref="IdempotentConsumer{TMessage}"/> for messages that arrive in bulk, taken a window at a time (MassTransit's
/// <c>Batch&lt;T&gt;</c>; the window's size and time are the consumer's <see cref="BatchWindowDefinition{TConsumer}"/>).
/// The window's effects and inbox rows are saved in one unit of work: one inbox read for the window, one read of what the
/// messages change (<see cref="PrepareAsync"/>), one transaction — where the one-at-a-time consumer pays each of those per
/// message. The inbox rules are the same:
/// <list type="bullet">
/// <item>A message whose MessageId the inbox holds (or that came twice in the window) changes nothing.</item>
/// <item>Messages are applied in the order they arrived, on the same tracked records: two messages of one record in a window
/// see each other's effect, as they would one after the other.</item>
/// <item>A message the handler applied gets its inbox row in the window's transaction; one it ignored (stale, unknown:
/// <see cref="ApplyAsync"/> answers false) gets none, as one at a time. A window that applied nothing writes nothing.</item>
/// <item>When the window fails — a handler throws, or the save does (a concurrent delivery of one of its messages won the
/// race, or a record changed under it) — nothing of it is saved, and each message is applied again alone, with its own
/// inbox check and transaction (a message that fails alone is tried again after <see cref="AloneRetries"/>): a faulty
/// message keeps none of the others from taking effect. The others are then marked consumed (acknowledged, as if the
/// window had succeeded for them), and the window fails for the faulty ones alone (<see cref="WindowMessagesFailedException"/>):
/// the bus does not retry the window whole, it redelivers each faulty message on its own schedule
/// (<see cref="RedeliveryFilter{TMessage}"/>) and at last moves it to the <c>_error</c> queue. A message without a
/// MessageId is faulty: it cannot be applied exactly once.</item>
/// <item>A failure before the window is applied (the inbox read: the database away) fails the window as a whole: the bus
/// retries it whole (<c>Messaging:Retries</c>), then redelivers each of its messages.</item>
/// </list>
/// Each window that fails counts once in <c>tradechain.consumer.errors</c> (labels consumer, message_type).
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
            ConsumerErrors.Count(GetType().Name, typeof(TMessage).Name);
            throw;
        }
    }

    /// <summary>
    /// Reads, tracked and in one go, what <paramref name="messages"/> will change, so that <see cref="ApplyAsync"/> finds
    /// each record without a read of its own. Called once per window with the messages not yet applied; not called when a
    /// message is applied alone. By default nothing.
    /// </summary>
    protected virtual Task PrepareAsync(IReadOnlyList<TMessage> messages, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Applies one message to the domain: true when it changed something, false when it was ignored (stale, unknown) —
    /// and then it must have changed nothing. Do not save: the base class saves the window at once.
    /// </summary>
    protected abstract Task<bool> ApplyAsync(TMessage message, CancellationToken cancellationToken);

    /// <summary>The pauses before a message that failed alone is tried alone again, within the window (then it is redelivered).</summary>
    public static readonly IReadOnlyList<TimeSpan> AloneRetries = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    private async Task ConsumeWindowAsync(ConsumeContext<Batch<TMessage>> context)
    {
        var ct = context.CancellationToken;
        var consumer = GetType().Name;
        var failed = new Dictionary<ConsumeContext<TMessage>, Exception>();
        // MassTransit already leaves a second delivery of a MessageId out of the window (it is acknowledged with the window,
        // or faults with it); the check stays so that the inbox rows below can never clash within one save.
        var arrived = new List<(Guid MessageId, ConsumeContext<TMessage> Delivery)>(context.Message.Length);
        var distinct = new HashSet<Guid>();
        foreach (var delivery in context.Message)
        {
            if (delivery.MessageId is not { } messageId)
                failed[delivery] = Inbox.WithoutMessageId(delivery);
            else if (distinct.Add(messageId)) arrived.Add((messageId, delivery));
        }
        var ids = distinct.ToList();
        var handled = (await db.ProcessedMessages.Where(p => p.Consumer == consumer && ids.Contains(p.MessageId)).Select(p => p.MessageId).ToListAsync(ct)).ToHashSet();
        var pending = arrived.Where(m => !handled.Contains(m.MessageId)).ToList();
        if (pending.Count < arrived.Count)
            logger.LogInformation("{Consumer} already handled {Count} of the window's {Total} messages; ignoring those redeliveries", consumer, arrived.Count - pending.Count, arrived.Count);

        if (pending.Count > 0)
        {
            try
            {
                await PrepareAsync(pending.Select(m => m.Delivery.Message).ToList(), ct);
                var applied = 0;
                foreach (var (messageId, delivery) in pending)
                {
                    if (!await ApplyAsync(delivery.Message, ct)) continue;
                    db.ProcessedMessages.Add(Inbox.Row(consumer, messageId));
                    applied++;
                }
                if (applied > 0) await db.SaveChangesAsync(ct);
                else logger.LogDebug("{Consumer} applied none of a window of {Count} messages; nothing saved", consumer, pending.Count);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "{Consumer} could not apply a window of {Count} message(s) together; applying each alone", consumer, pending.Count);
                db.ChangeTracker.Clear();
                var failing = pending;
                for (var attempt = 0; failing.Count > 0; attempt++)
                {
                    if (attempt > 0) await Task.Delay(AloneRetries[attempt - 1], ct);
                    var stillFailing = new List<(Guid MessageId, ConsumeContext<TMessage> Delivery)>();
                    foreach (var (messageId, delivery) in failing)
                    {
                        try
                        {
                            await Inbox.ApplyOnceAsync(db, logger, consumer, messageId, token => ApplyAsync(delivery.Message, token), ct);
                            failed.Remove(delivery);
                        }
                        catch (Exception failure) when (!ct.IsCancellationRequested)
                        {
                            failed[delivery] = failure;
                            stillFailing.Add((messageId, delivery));
                            logger.LogWarning(failure, "{Consumer} failed on message {MessageId} applied alone (attempt {Attempt} of {Attempts})",
                                consumer, messageId, attempt + 1, AloneRetries.Count + 1);
                        }
                        db.ChangeTracker.Clear(); // the next message reads its record afresh; nothing of a failed one stays for its save
                    }
                    failing = attempt < AloneRetries.Count ? stillFailing : [];
                }
            }
        }
        if (failed.Count == 0) return;

        // The window fails for its faulty messages alone: the others took effect (or had before), so they are marked
        // consumed now and MassTransit acknowledges them whatever the window's outcome. The faulty ones were tried alone
        // already: the bus does not retry the window (BusRegistration.ConfigureRetries) but redelivers each of them.
        foreach (var delivery in context.Message.Where(d => !failed.ContainsKey(d) && !d.ReceiveContext.IsDelivered))
            await delivery.NotifyConsumed(delivery, context.ReceiveContext.ElapsedTime, consumer);
        throw new WindowMessagesFailedException(typeof(TMessage).Name, failed.Values.Distinct().ToList());
    }
}

/// <summary>
/// Messages of a window (<see cref="IdempotentBatchConsumer{TMessage}"/>) that failed, each alone and after its retries
/// within the window: the bus redelivers each of them (its in-process retries skip this exception: the window would
/// only be run again whole).
/// </summary>
public sealed class WindowMessagesFailedException(string messageType, IReadOnlyList<Exception> failures)
    : AggregateException($"{failures.Count} {messageType} message(s) of a window failed, each alone: {failures[0].Message}", failures);

/// <summary>
/// The window of a <c>Batch&lt;T&gt;</c> consumer: up to <paramref name="maxMessages"/> messages, collected for at most
/// <paramref name="window"/> from the first; up to <paramref name="concurrentWindows"/> windows at once (MassTransit sets
/// the endpoint's prefetch to match).
/// </summary>
public abstract class BatchWindowDefinition<TConsumer>(int maxMessages, TimeSpan window, int concurrentWindows = 1) : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.Options<BatchOptions>(o => o.SetMessageLimit(maxMessages).SetTimeLimit(window).SetConcurrencyLimit(concurrentWindows));
}

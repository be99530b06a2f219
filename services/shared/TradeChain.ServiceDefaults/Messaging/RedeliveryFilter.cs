using MassTransit;
using MassTransit.Configuration;
using MassTransit.Serialization;
using Microsoft.Extensions.Logging;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// Delayed redelivery for every consumer of every service. When a message still fails after its in-process retries, it
/// is sent — same MessageId, same content — to the wait queue of its next delay (<see cref="RedeliveryTopology"/>)
/// with its redelivery count, and acknowledged; the broker puts it back on the consumer's queue when the delay is over.
/// After the last delay the failure stands: MassTransit moves the message to the queue's <c>_error</c> queue, it counts
/// in <c>tradechain.messages.dead_lettered</c>, and <c>tradechain replay-errors</c> puts it back. A redelivered message
/// that was in fact handled (a crash after its effect was saved) changes nothing: the consumers' inbox has its MessageId.
/// </summary>
public sealed class RedeliveryFilter<TMessage>(IReadOnlyList<TimeSpan> delays, RedeliveryTopology topology, ILogger logger) : IFilter<ConsumeContext<TMessage>>
    where TMessage : class
{
    public async Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        try
        {
            await next.Send(context);
        }
        catch (Exception failure) when (!context.CancellationToken.IsCancellationRequested) // a shutdown is no failure: the broker redelivers
        {
            var queue = Redelivery.QueueOf(context.ReceiveContext.InputAddress);
            var redeliveries = Redelivery.CountOf(context.ReceiveContext);
            if (redeliveries >= delays.Count)
            {
                Count(TradeChainMetrics.MessagesDeadLettered, queue);
                logger.LogError(failure, "{MessageType} {MessageId} failed after {Redeliveries} redeliveries; it goes to {Queue}_error (replay it with `tradechain replay-errors`)",
                    typeof(TMessage).Name, context.MessageId, redeliveries, queue);
                throw;
            }
            var delay = delays[redeliveries];
            try
            {
                await topology.EnsureAsync(delay, context.CancellationToken);
                var waitQueue = await context.GetSendEndpoint(new Uri($"exchange:{RedeliveryTopology.WaitQueue(delay)}"));
                await waitQueue.Send(context.Message, new ForwardMessagePipe<TMessage>(context, Pipe.Execute<SendContext<TMessage>>(send =>
                {
                    Redelivery.ForgetDeaths(send.Headers);
                    send.Headers.Set(Redelivery.CountHeader, redeliveries + 1);
                    send.SetRoutingKey(queue); // where the broker returns it to when the delay is over
                    // Refused by the broker rather than dropped if the wait queue is gone: then the failure below stands.
                    if (send.TryGetPayload(out RabbitMqSendContext? rabbit)) rabbit.Mandatory = true;
                })), context.CancellationToken);
            }
            catch (Exception sendFailure) when (!context.CancellationToken.IsCancellationRequested)
            {
                topology.Forget(delay);
                Count(TradeChainMetrics.MessagesDeadLettered, queue);
                logger.LogError(sendFailure, "{MessageType} {MessageId} could not be put aside for redelivery; it goes to {Queue}_error", typeof(TMessage).Name, context.MessageId, queue);
                throw new AggregateException(failure, sendFailure);
            }
            // Handled, as far as this delivery goes: acknowledge it (and keep it out of the _skipped queue).
            await context.NotifyConsumed(context, context.ReceiveContext.ElapsedTime, nameof(RedeliveryFilter<TMessage>));
            Count(TradeChainMetrics.MessagesRedelivered, queue);
            logger.LogWarning(failure, "{MessageType} {MessageId} still fails after its retries; delivering it to {Queue} again in {Delay} (redelivery {Redelivery} of {Redeliveries})",
                typeof(TMessage).Name, context.MessageId, queue, Durations.Format(delay), redeliveries + 1, delays.Count);
        }
    }

    private static void Count(System.Diagnostics.Metrics.Counter<long> counter, string queue) => counter.Add(1,
        new KeyValuePair<string, object?>("queue", queue),
        new KeyValuePair<string, object?>("message_type", typeof(TMessage).Name));

    public void Probe(ProbeContext context) => context.CreateFilterScope("redelivery");
}

/// <summary>What the redelivery and the replay of error queues share.</summary>
public static class Redelivery
{
    /// <summary>
    /// How often a message was redelivered, in a transport header of its own: read from the broker's headers only (not
    /// MassTransit's envelope), so that a replay from the error queue, which removes it, starts the schedule afresh.
    /// </summary>
    public const string CountHeader = "TradeChain-Redelivery-Count";

    public static int CountOf(ReceiveContext context) => context.TransportHeaders.Get<int>(CountHeader) ?? 0;

    /// <summary>The consumer's queue: the last segment of the endpoint's address.</summary>
    public static string QueueOf(Uri inputAddress) => Uri.UnescapeDataString(inputAddress.Segments[^1]);

    /// <summary>
    /// Removes the broker's record of earlier expiries (<c>x-death</c>…): a message keeps no history of its waits, so
    /// RabbitMQ never takes a later wait for a dead-letter cycle.
    /// </summary>
    public static void ForgetDeaths(SendHeaders headers)
    {
        foreach (var key in headers.GetAll().Select(h => h.Key).Where(IsDeathHeader).ToList()) headers.Set(key, null);
    }

    public static bool IsDeathHeader(string key) =>
        key is "x-death" || key.StartsWith("x-first-death-", StringComparison.Ordinal) || key.StartsWith("x-last-death-", StringComparison.Ordinal);

    /// <summary>Adds <see cref="RedeliveryFilter{TMessage}"/> before the in-process retries of every message type every consumer handles.</summary>
    public static void UseRedelivery(this IConsumePipeConfigurator configurator, IReadOnlyList<TimeSpan> delays, RedeliveryTopology topology, ILogger logger) =>
        _ = new ConfigurationObserver(configurator, delays, topology, logger);

    private sealed class ConfigurationObserver : MassTransit.Configuration.ConfigurationObserver, IMessageConfigurationObserver
    {
        private readonly IReadOnlyList<TimeSpan> _delays;
        private readonly RedeliveryTopology _topology;
        private readonly ILogger _logger;

        private readonly IConsumePipeConfigurator _configurator;

        public ConfigurationObserver(IConsumePipeConfigurator configurator, IReadOnlyList<TimeSpan> delays, RedeliveryTopology topology, ILogger logger)
            : base(configurator)
        {
            (_configurator, _delays, _topology, _logger) = (configurator, delays, topology, logger);
            Connect(this);
        }

        public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator) where TMessage : class => Add<TMessage>(configurator);

        /// <summary>
        /// A <c>Batch&lt;T&gt;</c> consumer's messages (MassTransit tells observers of those apart from other consumers' and
        /// calls no <see cref="MessageConfigured"/> for them): each message of a window that failed for good is redelivered on
        /// its own — the filter sits in the message's pipe, before the window is collected — while the bus's retry policy
        /// wraps the window as a whole (not a window of <see cref="IdempotentBatchConsumer{TMessage}"/> whose messages
        /// failed each alone: <see cref="BusRegistration.ConfigureRetries"/>). A message the window marked consumed before it
        /// failed does not fail with it.
        /// </summary>
        public override void BatchConsumerConfigured<TConsumer, TMessage>(IConsumerMessageConfigurator<TConsumer, Batch<TMessage>> configurator) =>
            Add<TMessage>(_configurator);

        private readonly HashSet<Type> _added = [];

        private void Add<TMessage>(IConsumePipeConfigurator configurator) where TMessage : class
        {
            if (_added.Add(typeof(TMessage)))
                configurator.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new RedeliveryFilter<TMessage>(_delays, _topology, _logger)));
        }
    }
}

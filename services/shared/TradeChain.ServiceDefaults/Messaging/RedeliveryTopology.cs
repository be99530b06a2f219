using RabbitMQ.Client;

namespace TradeChain.ServiceDefaults.Messaging;

/// <summary>
/// Where a message waits for its redelivery, built from plain RabbitMQ (no delayed-message plugin, no scheduler): per
/// delay a durable queue such as <c>tradechain-redelivery-30s</c> whose messages expire after that delay
/// (<c>x-message-ttl</c>) and are then dead-lettered to the default exchange under their routing key, which is the name
/// of the consumer's queue they came from — so the broker itself puts each message back where it failed. One queue per
/// delay, not an expiry per message, because RabbitMQ only expires the message at a queue's head. Each wait queue is
/// bound to a fanout exchange of the same name, which is what MassTransit sends to. The queues are shared by every
/// service on the virtual host; their names carry the delay, so services configured differently do not collide.
/// </summary>
public sealed class RedeliveryTopology(Uri broker)
{
    public const string Prefix = "tradechain-redelivery-";

    private readonly SemaphoreSlim _declaring = new(1, 1);
    private readonly HashSet<TimeSpan> _declared = [];

    public static string WaitQueue(TimeSpan delay) => Prefix + Durations.Format(delay);

    /// <summary>Declares the wait queue for <paramref name="delay"/> (once per process; again after <see cref="Forget"/>).</summary>
    public async Task EnsureAsync(TimeSpan delay, CancellationToken ct)
    {
        lock (_declared)
            if (_declared.Contains(delay)) return;
        await _declaring.WaitAsync(ct);
        try
        {
            var name = WaitQueue(delay);
            var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "tradechain redelivery topology" };
            await using var connection = await factory.CreateConnectionAsync(ct);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
            {
                ["x-message-ttl"] = (long)delay.TotalMilliseconds,
                ["x-dead-letter-exchange"] = "", // the default exchange: the routing key names the queue to return to
            }, cancellationToken: ct);
            await channel.QueueBindAsync(name, name, routingKey: "", cancellationToken: ct);
            lock (_declared) _declared.Add(delay);
        }
        finally
        {
            _declaring.Release();
        }
    }

    /// <summary>A send to a wait queue failed (an operator may have deleted it): declare it again next time.</summary>
    public void Forget(TimeSpan delay)
    {
        lock (_declared) _declared.Remove(delay);
    }
}

using System.Diagnostics.Metrics;

namespace TradeChain.ServiceDefaults.Telemetry;

/// <summary>
/// The services' own metrics (the ledger's are in <see cref="Ledger.LedgerTelemetry"/>). Instrument names and units are
/// chosen so that Prometheus shows the names deploy/grafana/tradechain.json charts: a dotted name becomes underscored,
/// a counter gains <c>_total</c>, a unit in braces adds nothing and the unit <c>s</c> adds <c>_seconds</c>.
/// </summary>
public static class TradeChainMetrics
{
    public const string MeterName = "TradeChain";

    private static readonly Meter Meter = new(MeterName);

    /// <summary><c>tradechain_declarations_total{status}</c>: declarations entering each status, counted when the transition commits.</summary>
    public static readonly Counter<long> Declarations = Meter.CreateCounter<long>(
        "tradechain.declarations", "{declaration}", "Declarations entering each status (one per committed transition)");

    /// <summary><c>tradechain_consumer_errors_total{consumer,message_type}</c>: failed attempts to handle a bus message (each retry counts).</summary>
    public static readonly Counter<long> ConsumerErrors = Meter.CreateCounter<long>(
        "tradechain.consumer.errors", "{error}", "Failed attempts to handle a bus message (each retry counts)");

    /// <summary>
    /// <c>tradechain_messages_redelivered_total{queue,message_type}</c>: messages that still failed after their in-process
    /// retries and were put aside for a delayed redelivery (see <see cref="Messaging.RedeliveryFilter{TMessage}"/>).
    /// </summary>
    public static readonly Counter<long> MessagesRedelivered = Meter.CreateCounter<long>(
        "tradechain.messages.redelivered", "{message}", "Messages put aside for a delayed redelivery after failing their retries");

    /// <summary>
    /// <c>tradechain_messages_dead_lettered_total{queue,message_type}</c>: messages that failed every redelivery and went to
    /// their queue's <c>_error</c> queue, where they wait for <c>tradechain replay-errors</c>. Alert on any increase.
    /// </summary>
    public static readonly Counter<long> MessagesDeadLettered = Meter.CreateCounter<long>(
        "tradechain.messages.dead_lettered", "{message}", "Messages that failed every redelivery and went to an error queue");

    /// <summary><c>tradechain_outbox_depth</c>: unsent outbox rows (see <see cref="Messaging.OutboxDepthGauge"/>).</summary>
    public const string OutboxDepth = "tradechain.outbox.depth";

    /// <summary><c>tradechain_health{check}</c>: each health check's last state, 1 healthy, 0.5 degraded, 0 unhealthy (<see cref="HealthGaugePublisher"/>).</summary>
    public const string Health = "tradechain.health";

    internal static void ObserveHealth(Func<IEnumerable<Measurement<double>>> observe) =>
        Meter.CreateObservableGauge(Health, observe, "{state}", "Each health check's last state: 1 healthy, 0.5 degraded, 0 unhealthy");
}

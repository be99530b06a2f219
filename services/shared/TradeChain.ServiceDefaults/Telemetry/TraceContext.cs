using System.Diagnostics;

namespace TradeChain.ServiceDefaults.Telemetry;

/// <summary>
/// The W3C trace context of the work that wrote a row (outbox message, transition), stored with the row so that the
/// background worker that later publishes or anchors it continues the same trace.
/// </summary>
public static class TraceContext
{
    /// <summary>The current activity's traceparent and tracestate, or nulls outside a W3C trace.</summary>
    public static (string? TraceParent, string? TraceState) Capture() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? (current.Id, current.TraceStateString) : (null, null);

    /// <summary>The stored context as a remote parent, or null when none was stored or it does not parse.</summary>
    public static ActivityContext? Parse(string? traceParent, string? traceState) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : null;
}

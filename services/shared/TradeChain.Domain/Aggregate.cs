namespace TradeChain.Domain;

/// <summary>One change of an aggregate's state: who moved it from where to where, when and why.</summary>
public sealed record StateTransition(
    int Sequence,
    string FromState,
    string ToState,
    string Actor,
    string Reason,
    string? ResponseCode,
    long OccurredAtUnixMs);

/// <summary>
/// An aggregate whose every state change is recorded as a <see cref="StateTransition"/>. The infrastructure
/// writes the pending transitions to the transition log in the same database transaction as the state itself,
/// so a state can never change without its record.
/// </summary>
public abstract class Aggregate
{
    private readonly List<StateTransition> _pending = [];

    /// <summary>The number of transitions so far; the next one gets Version + 1.</summary>
    public int Version { get; protected set; }

    /// <summary>The aggregate's kind in the transition log ("declaration", "document", "duty-payment").</summary>
    public abstract string AggregateType { get; }

    /// <summary>The aggregate's identity in the transition log.</summary>
    public abstract string AggregateKey { get; }

    public IReadOnlyList<StateTransition> PendingTransitions => _pending;

    public void ClearPendingTransitions() => _pending.Clear();

    protected void RecordTransition(string from, string to, string actor, string reason, string? responseCode, DateTimeOffset at)
    {
        Version++;
        _pending.Add(new StateTransition(Version, from, to, actor, reason, responseCode, at.ToUnixTimeMilliseconds()));
    }
}

/// <summary>A business rule refused an operation. <see cref="Rule"/> names the rule for the caller.</summary>
public sealed class DomainRuleViolation(string rule, string message) : Exception(message)
{
    public string Rule { get; } = rule;
}

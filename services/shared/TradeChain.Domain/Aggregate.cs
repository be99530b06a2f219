namespace TradeChain.Domain;

/// <summary>One change of an aggregate's state: who moved it from where to where, when and why.</summary>
/// <param name="PartType">Set for a part of the aggregate with its own history (a credit's presentation): the log records
/// the transition under this type and <paramref name="PartKey"/> instead of the aggregate's.</param>
public sealed record StateTransition(
    int Sequence,
    string FromState,
    string ToState,
    string Actor,
    string Reason,
    string? ResponseCode,
    long OccurredAtUnixMs,
    string? PartType = null,
    string? PartKey = null);

/// <summary>
/// An aggregate whose every state change is recorded as a <see cref="StateTransition"/>. The infrastructure
/// writes the pending transitions to the transition log in the same database transaction as the state itself,
/// so a state can never change without its record.
/// </summary>
public abstract class Aggregate
{
    private readonly List<StateTransition> _pending = [];
    private readonly List<IDomainEvent> _events = [];

    /// <summary>The number of transitions so far; the next one gets Version + 1.</summary>
    public int Version { get; protected set; }

    /// <summary>The aggregate's kind in the transition log ("declaration", "document", "duty-payment").</summary>
    public abstract string AggregateType { get; }

    /// <summary>The aggregate's identity in the transition log.</summary>
    public abstract string AggregateKey { get; }

    public IReadOnlyList<StateTransition> PendingTransitions => _pending;

    public void ClearPendingTransitions() => _pending.Clear();

    /// <summary>What happened in this unit of work, in order, for the service's one mapping to integration messages.</summary>
    public IReadOnlyList<IDomainEvent> DomainEvents => _events;

    public void ClearDomainEvents() => _events.Clear();

    /// <summary>Announces a fact the other services may need; the infrastructure turns it into messages in the outbox, in the same transaction.</summary>
    protected void Raise(IDomainEvent domainEvent) => _events.Add(domainEvent);

    protected void RecordTransition(string from, string to, string actor, string reason, string? responseCode, DateTimeOffset at)
    {
        Version++;
        _pending.Add(new StateTransition(Version, from, to, actor, reason, responseCode, at.ToUnixTimeMilliseconds()));
    }

    /// <summary>
    /// Records a transition of a part of this aggregate that has a life of its own (a credit's presentation), under the
    /// part's own type and key in the log, numbered by the part's own <paramref name="sequence"/>. The aggregate's
    /// <see cref="Version"/> is not changed.
    /// </summary>
    protected void RecordPartTransition(string partType, string partKey, int sequence, string from, string to, string actor, string reason, DateTimeOffset at) =>
        _pending.Add(new StateTransition(sequence, from, to, actor, reason, null, at.ToUnixTimeMilliseconds(), partType, partKey));
}

/// <summary>
/// A fact of the domain ("the declaration was released", "the duty was settled"), raised by an aggregate beside
/// its transition. Plain C#: each service maps its events to the integration messages on the wire in one place.
/// </summary>
public interface IDomainEvent;

/// <summary>A business rule refused an operation. <see cref="Rule"/> names the rule for the caller.</summary>
public sealed class DomainRuleViolation(string rule, string message) : Exception(message)
{
    public string Rule { get; } = rule;
}

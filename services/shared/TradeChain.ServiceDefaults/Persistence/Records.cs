namespace TradeChain.ServiceDefaults.Persistence;

/// <summary>A message waiting to be published: written in the same transaction as the state change that caused it.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>Published as the MassTransit MessageId, so a redelivery after a crash is recognised by consumers.</summary>
    public Guid MessageId { get; set; }

    public string MessageType { get; set; } = "";

    public string Payload { get; set; } = "";

    /// <summary>W3C traceparent of the request that caused the message, so the trace continues over the bus.</summary>
    public string? TraceParent { get; set; }

    /// <summary>W3C tracestate that came with <see cref="TraceParent"/>.</summary>
    public string? TraceState { get; set; }

    public long CreatedAtUnixMs { get; set; }

    public long? SentAtUnixMs { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}

/// <summary>A message a consumer has already handled (the inbox): handling it again changes nothing.</summary>
public sealed class ProcessedMessage
{
    public Guid MessageId { get; set; }

    public string Consumer { get; set; } = "";

    public long ProcessedAtUnixMs { get; set; }
}

/// <summary>One state transition in the transition log, with its anchoring once it is on chain.</summary>
public sealed class TransitionRecord
{
    public long Id { get; set; }

    public string Service { get; set; } = "";

    public string AggregateType { get; set; } = "";

    public string AggregateId { get; set; } = "";

    public int Sequence { get; set; }

    public string FromState { get; set; } = "";

    public string ToState { get; set; } = "";

    public string Actor { get; set; } = "";

    public string Reason { get; set; } = "";

    public string? ResponseCode { get; set; }

    public long OccurredAtUnixMs { get; set; }

    public string? BatchRoot { get; set; }

    /// <summary>JSON array of 0x-hex sibling hashes from the leaf to <see cref="BatchRoot"/>.</summary>
    public string? Proof { get; set; }

    public int? BatchSize { get; set; }

    public long? BlockNumber { get; set; }

    public string? TransactionHash { get; set; }

    public long? AnchoredAtUnixMs { get; set; }

    /// <summary>W3C traceparent of the work that made the transition: its anchoring transaction joins that trace.</summary>
    public string? TraceParent { get; set; }

    /// <summary>W3C tracestate that came with <see cref="TraceParent"/>.</summary>
    public string? TraceState { get; set; }

    public Ledger.TransitionLeaf ToLeaf() =>
        new(Service, AggregateType, AggregateId, Sequence, FromState, ToState, Actor, Reason, ResponseCode, OccurredAtUnixMs);
}

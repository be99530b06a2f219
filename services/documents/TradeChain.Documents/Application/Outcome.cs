using TradeChain.Documents.Domain;

namespace TradeChain.Documents.Application;

/// <summary>
/// Why a use case did not run for its caller. Not a broken business rule (that is a DomainRuleViolation, raised by the
/// domain and answered 409 by the global handler) but what this caller may see or ask.
/// </summary>
public abstract record Refusal;

/// <summary>No such subject that the caller may see: answered alike whether it does not exist or is another party's.</summary>
public sealed record NotFound(string What, string Id) : Refusal;

/// <summary>The caller sees the subject but may not take this step on it.</summary>
public sealed record Forbidden(string Title, string Detail) : Refusal;

/// <summary>The request asks for something the subject does not allow, field by field.</summary>
public sealed record Invalid(IReadOnlyList<SchemaError> Errors) : Refusal;

/// <summary>A use case's result: its value, or the refusal saying why there is none.</summary>
public sealed class Outcome<T>
{
    private Outcome(T? value, Refusal? refusal) => (Value, Refusal) = (value, refusal);

    public T? Value { get; }

    public Refusal? Refusal { get; }

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(default, refusal);
}

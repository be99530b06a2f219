namespace TradeChain.Console.Components.Declarations.Form;

/// <summary>What an input inside a <see cref="FormField"/> needs: its id (the label's for), whether the API refused it, and what describes it.</summary>
public sealed record FieldContext(string Id, bool Invalid, string? DescribedBy)
{
    /// <summary>The aria-invalid attribute: present only when the API refused the field.</summary>
    public string? AriaInvalid => Invalid ? "true" : null;
}

/// <summary>A choice in a select: the code sent to the API and the words a person reads.</summary>
public sealed record Choice(string Value, string Text);

using System.Globalization;
using TradeChain.Console.Services.Customs.Form;

namespace TradeChain.Console.Components.Declarations.Form;

/// <summary>The form's selects, built once from customs' code lists (GET /reference-data).</summary>
public sealed class FormChoices(CustomsReferenceData reference)
{
    public CustomsReferenceData Reference { get; } = reference;

    public DeclarationLimits Limits => Reference.Limits;

    public IReadOnlyList<Choice> Types { get; } = reference.DeclarationTypes.Select(t => new Choice(t, Capitalise(t))).ToList();

    // By name, so typing a country's name in the select finds it; the code the API takes is in brackets.
    public IReadOnlyList<Choice> Countries { get; } =
        reference.Countries.OrderBy(c => c.Name, StringComparer.CurrentCulture).Select(c => new Choice(c.Code, $"{c.Name} ({c.Code})")).ToList();

    public IReadOnlyList<Choice> Currencies { get; } = reference.Currencies.Select(c => new Choice(c.Code, $"{c.Code} — {c.Name}")).ToList();

    public IReadOnlyList<Choice> Units { get; } = reference.Units.Select(u => new Choice(u.Code, $"{u.Code} — {u.Name}")).ToList();

    public IReadOnlyList<Choice> Incoterms { get; } = reference.Incoterms.Select(i => new Choice(i.Code, $"{i.Code} — {i.Name}")).ToList();

    public IReadOnlyList<Choice> TransportModes { get; } = Numbered(reference.TransportModes);

    public IReadOnlyList<Choice> ValuationMethods { get; } = Numbered(reference.ValuationMethods);

    public IReadOnlyList<Choice> PreferenceCodes { get; } = reference.PreferenceCodes.Select(p => new Choice(p.Code, $"{p.Code} — {p.Name}")).ToList();

    public IReadOnlyList<Choice> DocumentTypes { get; } = reference.DocumentTypes.Select(t => new Choice(t, DocumentTypeName(t))).ToList();

    /// <summary>"commercial-invoice" → "Commercial invoice".</summary>
    public static string DocumentTypeName(string type) => Capitalise(type.Replace('-', ' '));

    /// <summary>What an item's empty procedure code stands for, for the hint beside it.</summary>
    public string ProcedureHint(string? type) => Reference.ProcedureFor(type) is { } rule
        ? $"4 digits starting {string.Join(" or ", rule.FirstDigits.Select(d => d.ToString()))} for {Article(type!)} {type}; empty means {rule.DefaultCode}"
        : "4 digits; choose the declaration type first";

    public static string Amount(decimal value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static IReadOnlyList<Choice> Numbered(IReadOnlyList<NumberedCode> codes) =>
        codes.Select(c => new Choice(c.Code.ToString(CultureInfo.InvariantCulture), $"{c.Code} — {c.Name}")).ToList();

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Article(string word) => word.Length > 0 && "aeiou".Contains(word[0]) ? "an" : "a";
}

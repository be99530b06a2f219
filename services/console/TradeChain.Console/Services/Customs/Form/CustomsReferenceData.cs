namespace TradeChain.Console.Services.Customs.Form;

public sealed record CodeName(string Code, string Name);

public sealed record NumberedCode(int Code, string Name);

public sealed record CurrencyCode(string Code, string Name, int MinorUnits);

public sealed record UnitCode(string Code, string Name, string Kind);

public sealed record ProcedureRule(string Type, string DefaultCode, string FirstDigits);

public sealed record DeclarationLimits(int MaxItems, int MaxReferenceLength, int MaxDescriptionLength, int MaxDeclarationAgeDays,
    decimal MaxQuantity, decimal MaxMassKg, decimal MaxCustomsValue);

/// <summary>The customs service's code lists and bounds (GET /reference-data): the form's selects and hints come from here, never from a copy.</summary>
public sealed record CustomsReferenceData(
    IReadOnlyList<string> DeclarationTypes,
    IReadOnlyList<CodeName> Countries,
    IReadOnlyList<CurrencyCode> Currencies,
    IReadOnlyList<UnitCode> Units,
    IReadOnlyList<CodeName> Incoterms,
    IReadOnlyList<NumberedCode> TransportModes,
    IReadOnlyList<NumberedCode> ValuationMethods,
    IReadOnlyList<CodeName> PreferenceCodes,
    IReadOnlyList<ProcedureRule> Procedures,
    IReadOnlyList<string> DocumentTypes,
    IReadOnlyList<CodeName> TariffLines,
    string NationalCurrency,
    DeclarationLimits Limits)
{
    public ProcedureRule? ProcedureFor(string? type) => Procedures.FirstOrDefault(p => p.Type == type);
}

/// <summary>An example declaration customs offers to start from (GET /reference-data/samples).</summary>
public sealed record DeclarationSample(string Name, string Type, string LocalReferenceNumber, string Summary);

/// <summary>One of the exporter's own documents (GET documents /documents), offered for attaching by its hash.</summary>
public sealed record OwnDocument(Guid Id, string Type, string Hash, string Status, long SubmittedAtUnixMs, System.Text.Json.Nodes.JsonNode? Content)
{
    /// <summary>The number the document goes by (invoice number, certificate number…), as its issuer wrote it.</summary>
    public string? Number => Content is System.Text.Json.Nodes.JsonObject o
        ? o.Where(p => p.Key.EndsWith("Number", StringComparison.Ordinal) && p.Value is System.Text.Json.Nodes.JsonValue).Select(p => p.Value!.ToString()).FirstOrDefault()
        : null;
}

public sealed record DocumentPage(IReadOnlyList<OwnDocument> Items, int PageNumber, int PageSize, int Total);

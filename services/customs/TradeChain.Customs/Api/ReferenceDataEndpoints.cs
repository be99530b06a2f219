using System.Text.Json;
using System.Text.RegularExpressions;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Api;

public sealed record NumberedCode(int Code, string Name);

/// <summary>The bounds the declaration validator applies, so a client can state them beside its inputs.</summary>
public sealed record DeclarationLimits(int MaxItems, int MaxReferenceLength, int MaxDescriptionLength, int MaxDeclarationAgeDays,
    decimal MaxQuantity, decimal MaxMassKg, decimal MaxCustomsValue, int MaxContainers, int MaxDocuments, int MaxNameLength);

/// <summary>Every code list a declaration is checked against, as the validator uses it.</summary>
public sealed record ReferenceDataView(
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
    DeclarationLimits Limits);

/// <summary>A worked example of a declaration a declarant can start from.</summary>
public sealed record DeclarationSample(string Name, string Type, string LocalReferenceNumber, string Summary);

/// <summary>The example declarations shipped in Data/samples, each a complete request body (with placeholder document hashes).</summary>
public sealed class DeclarationSamples
{
    private static readonly Regex Name = new("^[a-z0-9-]{1,64}$", RegexOptions.Compiled);

    private readonly Dictionary<string, string> _texts;

    private DeclarationSamples(IReadOnlyList<DeclarationSample> all, Dictionary<string, string> texts)
    {
        All = all;
        _texts = texts;
    }

    public IReadOnlyList<DeclarationSample> All { get; }

    public string? Text(string name) => Name.IsMatch(name) && _texts.TryGetValue(name, out var text) ? text : null;

    public static DeclarationSamples Load(string directory)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var all = new List<DeclarationSample>();
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal) : Enumerable.Empty<string>();
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var text = File.ReadAllText(file);
            // Files beside the samples that are not declarations (the tests' expectations) have no type: not offered.
            if (!Name.IsMatch(name) || JsonSerializer.Deserialize<LodgeDeclarationRequest>(text, json) is not { Type: { } type } sample) continue;
            var items = sample.Items ?? [];
            var summary = items.Count == 0 ? "no goods items" : $"{items[0]?.Description}{(items.Count > 1 ? $" and {items.Count - 1} more item(s)" : "")}";
            all.Add(new DeclarationSample(name, type, sample.LocalReferenceNumber ?? "", summary));
            texts[name] = text;
        }
        return new DeclarationSamples(all, texts);
    }
}

public static class ReferenceDataEndpoints
{
    public static IEndpointRouteBuilder MapReferenceData(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reference-data").WithTags("reference data").RequireAuthorization(Policies.AnyParty);
        group.MapGet("/", (ReferenceData reference, Tariff tariff) => Results.Ok(View(reference, tariff)))
            .WithSummary("The code lists and bounds declarations are validated against: countries, currencies, units, Incoterms 2020, transport modes, valuation methods, procedure and preference codes, document types, tariff lines.");
        group.MapGet("/samples", (DeclarationSamples samples) => Results.Ok(samples.All))
            .WithSummary("Example declarations to start from.");
        group.MapGet("/samples/{name}", (string name, DeclarationSamples samples) => samples.Text(name) is { } text
                ? Results.Text(text, "application/json")
                : Problems.NotFound("sample declaration", name))
            .WithSummary("One example declaration: a complete request body for POST /declarations (its document hashes are placeholders).");
        return app;
    }

    private static ReferenceDataView View(ReferenceData reference, Tariff tariff) => new(
        Enum.GetNames<DeclarationType>().Select(n => n.ToLowerInvariant()).ToList(),
        reference.CountryList, reference.CurrencyList, reference.UnitList, ReferenceData.Incoterms,
        ReferenceData.TransportModes.Select(m => new NumberedCode(m.Key, m.Value)).ToList(),
        ReferenceData.ValuationMethods.Select(m => new NumberedCode(m.Key, m.Value)).ToList(),
        [new(PreferenceCodes.General, "general (MFN) duty"), new(PreferenceCodes.Preferential, "preferential rate claimed")],
        DeclarationValidator.Procedures.Values.ToList(),
        ReferenceData.DocumentTypes.Order(StringComparer.Ordinal).ToList(),
        tariff.Lines.Select(l => new CodeName(l.HsCode, l.Description)).ToList(),
        tariff.NationalCurrency,
        new DeclarationLimits(DeclarationValidator.MaxItems, DeclarationValidator.MaxReferenceLength, DeclarationValidator.MaxDescriptionLength,
            DeclarationValidator.MaxDeclarationAgeDays, DeclarationValidator.MaxQuantity, DeclarationValidator.MaxMassKg, DeclarationValidator.MaxCustomsValue,
            DeclarationValidator.MaxContainers, DeclarationValidator.MaxDocuments, DeclarationValidator.MaxNameLength));
}

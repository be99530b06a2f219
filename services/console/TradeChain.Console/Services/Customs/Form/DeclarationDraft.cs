namespace TradeChain.Console.Services.Customs.Form;

/// <summary>
/// A declaration as the form holds it while the declarant works on it: plain values, nothing checked here — the customs
/// API judges it and names every failing field. <see cref="ToRequest"/> builds exactly what the API reads.
/// </summary>
public sealed class DeclarationDraft
{
    public string? Type { get; set; } = "export";

    public string? LocalReferenceNumber { get; set; }

    public DateOnly? DeclarationDate { get; set; }

    public string? OfficeOfDeclaration { get; set; }

    public string? Incoterm { get; set; }

    /// <summary>One invoice currency for the whole declaration (the API wants every item in the same one): sent as each item's currency.</summary>
    public string? InvoiceCurrency { get; set; }

    public PartyDraft Exporter { get; set; } = new();

    public PartyDraft Importer { get; set; } = new();

    public ConsignmentDraft Consignment { get; set; } = new();

    public List<GoodsItemDraft> Items { get; set; } = [new()];

    public List<DocumentDraft> Documents { get; set; } = [];

    /// <summary>Why the declaration is amended (amendments only).</summary>
    public string? Reason { get; set; }

    public GoodsItemDraft AddItem()
    {
        var item = new GoodsItemDraft();
        Items.Add(item);
        return item;
    }

    public bool IsAttached(string hash) => Documents.Any(d => string.Equals(d.Hash?.Trim(), hash, StringComparison.OrdinalIgnoreCase));

    /// <summary>The request body; <paramref name="amendment"/> adds the reason the API requires of an amendment.</summary>
    public DeclarationRequest ToRequest(bool amendment = false) => new(
        Text(Type),
        Text(LocalReferenceNumber),
        DeclarationDate,
        Code(OfficeOfDeclaration),
        Text(Incoterm),
        Exporter.ToRequest(),
        Importer.ToRequest(),
        new ConsignmentRequest(Consignment.TransportMode, Text(Consignment.MeansOfTransport),
            // A blank container row is sent as it is, so the API names that row rather than the rows after it moving up.
            Consignment.Containers.Select(c => Code(c.Number) ?? "").ToList(),
            Code(Consignment.PlaceOfLoading), Code(Consignment.PlaceOfDischarge)),
        Items.Select((item, i) => item.ToRequest(i + 1, Text(InvoiceCurrency))).ToList(),
        Documents.Select(d => new DocumentReference(Text(d.Type), Text(d.Hash))).ToList(),
        amendment ? Text(Reason) : null);

    /// <summary>
    /// A draft holding <paramref name="request"/> (an uploaded file, a sample, or the version being amended). What the
    /// form cannot hold as it is — items in different currencies — is said in <paramref name="notes"/>.
    /// </summary>
    public static DeclarationDraft From(DeclarationRequest request, out IReadOnlyList<string> notes)
    {
        var said = new List<string>();
        var items = request.Items ?? [];
        var currencies = items.Select(i => i?.Currency).Where(c => !string.IsNullOrWhiteSpace(c)).Distinct(StringComparer.Ordinal).ToList();
        if (currencies.Count > 1)
            said.Add($"The items were invoiced in {string.Join(", ", currencies)}; a declaration has one invoice currency, so the form uses {currencies[0]} for every item.");
        var c = request.Consignment;
        notes = said;
        return new DeclarationDraft
        {
            Type = request.Type?.ToLowerInvariant(),
            LocalReferenceNumber = request.LocalReferenceNumber,
            DeclarationDate = request.DeclarationDate,
            OfficeOfDeclaration = request.OfficeOfDeclaration,
            Incoterm = request.Incoterm,
            InvoiceCurrency = currencies.FirstOrDefault(),
            Exporter = PartyDraft.From(request.Exporter),
            Importer = PartyDraft.From(request.Importer),
            Consignment = new ConsignmentDraft
            {
                TransportMode = c?.TransportMode,
                MeansOfTransport = c?.MeansOfTransport,
                Containers = (c?.Containers ?? []).Select(n => new ContainerDraft { Number = n }).ToList(),
                PlaceOfLoading = c?.PlaceOfLoading,
                PlaceOfDischarge = c?.PlaceOfDischarge,
            },
            Items = items.Count == 0 ? [new()] : items.Select(GoodsItemDraft.From).ToList(),
            Documents = (request.Documents ?? []).Select(d => new DocumentDraft { Type = d?.Type, Hash = d?.Hash }).ToList(),
            Reason = request.Reason,
        };
    }

    /// <summary>Every path the form shows errors at: each input, and each section and row (for errors about a whole list or row).</summary>
    public IReadOnlySet<string> RenderedPaths(bool amendment)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal)
        {
            "type", "localReferenceNumber", "declarationDate", "officeOfDeclaration", "incoterm", FormPaths.InvoiceCurrency,
            "consignment", "consignment.transportMode", "consignment.meansOfTransport", "consignment.containers",
            "consignment.placeOfLoading", "consignment.placeOfDischarge", "items", "documents",
        };
        foreach (var party in new[] { "exporter", "importer" })
            paths.UnionWith([party, $"{party}.name", $"{party}.identifier", $"{party}.country"]);
        for (var i = 0; i < Consignment.Containers.Count; i++) paths.Add($"consignment.containers[{i}]");
        for (var i = 0; i < Items.Count; i++)
        {
            paths.Add($"items[{i}]");
            foreach (var field in GoodsItemDraft.Fields) paths.Add($"items[{i}].{field}");
        }
        for (var i = 0; i < Documents.Count; i++) paths.UnionWith([$"documents[{i}]", $"documents[{i}].type", $"documents[{i}].hash"]);
        if (amendment) paths.Add("reason");
        return paths;
    }

    internal static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Codes (UN/LOCODEs, container numbers) are upper case; what was typed in lower case means the same code.</summary>
    internal static string? Code(string? value) => Text(value)?.ToUpperInvariant();
}

public sealed class PartyDraft
{
    public string? Name { get; set; }

    public string? Identifier { get; set; }

    public string? Country { get; set; }

    public PartyRequest ToRequest() => new(DeclarationDraft.Text(Name), DeclarationDraft.Text(Identifier), DeclarationDraft.Text(Country));

    public static PartyDraft From(PartyRequest? p) => new() { Name = p?.Name, Identifier = p?.Identifier, Country = p?.Country };
}

public sealed class ConsignmentDraft
{
    public int? TransportMode { get; set; }

    public string? MeansOfTransport { get; set; }

    public List<ContainerDraft> Containers { get; set; } = [];

    public string? PlaceOfLoading { get; set; }

    public string? PlaceOfDischarge { get; set; }
}

public sealed class ContainerDraft
{
    public string? Number { get; set; }
}

public sealed class GoodsItemDraft
{
    /// <summary>The item fields the form has an input for (an item's number is its row's position).</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["hsCode", "description", "originCountry", "quantity", "unit", "grossMassKg", "netMassKg", "customsValue", "valuationMethod", "procedureCode", "preferenceCode"];

    public string? HsCode { get; set; }

    public string? Description { get; set; }

    public string? OriginCountry { get; set; }

    public decimal? Quantity { get; set; }

    public string? Unit { get; set; }

    public decimal? GrossMassKg { get; set; }

    public decimal? NetMassKg { get; set; }

    public decimal? CustomsValue { get; set; }

    /// <summary>Transaction value unless the declarant says otherwise (the WTO's first method).</summary>
    public int? ValuationMethod { get; set; } = 1;

    /// <summary>Empty means the declaration type's usual procedure (the API applies it).</summary>
    public string? ProcedureCode { get; set; }

    public string? PreferenceCode { get; set; } = "100";

    public GoodsItemRequest ToRequest(int number, string? currency) => new(number, DeclarationDraft.Text(HsCode), DeclarationDraft.Text(Description),
        DeclarationDraft.Text(OriginCountry), Quantity, DeclarationDraft.Text(Unit), GrossMassKg, NetMassKg, CustomsValue, currency, ValuationMethod,
        DeclarationDraft.Text(ProcedureCode), DeclarationDraft.Text(PreferenceCode));

    public static GoodsItemDraft From(GoodsItemRequest? i) => new()
    {
        HsCode = i?.HsCode, Description = i?.Description, OriginCountry = i?.OriginCountry, Quantity = i?.Quantity, Unit = i?.Unit,
        GrossMassKg = i?.GrossMassKg, NetMassKg = i?.NetMassKg, CustomsValue = i?.CustomsValue, ValuationMethod = i?.ValuationMethod,
        ProcedureCode = i?.ProcedureCode, PreferenceCode = i?.PreferenceCode,
    };
}

public sealed class DocumentDraft
{
    public string? Type { get; set; }

    public string? Hash { get; set; }
}

using System.Text.RegularExpressions;
using TradeChain.Customs.Domain;
using TradeChain.Ledger.Merkle;

namespace TradeChain.Customs.Api;

public sealed record GoodsItemRequest(
    string? HsCode, string? Description, string? OriginCountry, decimal? Quantity, string? Unit,
    decimal? GrossMassKg, decimal? NetMassKg, decimal? CustomsValue, string? Currency);

/// <summary>A declaration as the exporter lodges it (WCO data model, first subset).</summary>
public sealed record LodgeDeclarationRequest(
    string? Type,
    string? LocalReferenceNumber,
    string? ExporterName,
    string? ImporterName,
    string? OfficeOfDeclaration,
    string? Incoterm,
    IReadOnlyList<GoodsItemRequest>? Items,
    IReadOnlyList<string>? DocumentHashes)
{
    private static readonly HashSet<string> Incoterms2020 = ["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"];
    private static readonly HashSet<string> Units = ["KGM", "TNE", "NAR", "LTR", "MTQ", "MTR", "PR", "SET"];

    /// <summary>Checks every field and returns every failure at once, each naming the field path and the rule.</summary>
    public List<(string Field, string Rule)> Validate(Tariff tariff)
    {
        var errors = new List<(string, string)>();
        if (!Enum.TryParse<DeclarationType>(Type, ignoreCase: true, out _) || int.TryParse(Type, out _))
            errors.Add(("type", "must be one of export, import, transit"));
        if (string.IsNullOrWhiteSpace(LocalReferenceNumber) || LocalReferenceNumber.Length > 35)
            errors.Add(("localReferenceNumber", "is required, at most 35 characters"));
        if (string.IsNullOrWhiteSpace(ExporterName)) errors.Add(("exporterName", "is required"));
        if (string.IsNullOrWhiteSpace(ImporterName)) errors.Add(("importerName", "is required"));
        if (OfficeOfDeclaration is null || !Regex.IsMatch(OfficeOfDeclaration, "^[A-Z]{2}[A-Z0-9]{3}$"))
            errors.Add(("officeOfDeclaration", "must be a UN/LOCODE: 2-letter country then 3 letters or digits, e.g. SGSIN"));
        if (Incoterm is null || !Incoterms2020.Contains(Incoterm))
            errors.Add(("incoterm", $"must be an Incoterms 2020 rule: {string.Join(", ", Incoterms2020)}"));

        if (Items is null || Items.Count == 0) errors.Add(("items", "at least one goods item is required"));
        else
        {
            string? firstCurrency = null;
            for (var i = 0; i < Items.Count; i++)
            {
                var item = Items[i];
                var at = $"items[{i}]";
                if (item is null) { errors.Add((at, "is required")); continue; }
                if (item.HsCode is null || !Regex.IsMatch(item.HsCode, "^[0-9]{6,10}$"))
                    errors.Add(($"{at}.hsCode", "must be 6 to 10 digits"));
                else if (tariff.Find(item.HsCode) is null)
                    errors.Add(($"{at}.hsCode", $"{item.HsCode} is not in the tariff"));
                if (string.IsNullOrWhiteSpace(item.Description)) errors.Add(($"{at}.description", "is required"));
                if (item.OriginCountry is null || !Regex.IsMatch(item.OriginCountry, "^[A-Z]{2}$"))
                    errors.Add(($"{at}.originCountry", "must be an ISO 3166-1 alpha-2 code, e.g. VN"));
                if (item.Quantity is not > 0) errors.Add(($"{at}.quantity", "must be greater than 0"));
                if (item.Unit is null || !Units.Contains(item.Unit))
                    errors.Add(($"{at}.unit", $"must be a UN/ECE Rec 20 unit: {string.Join(", ", Units)}"));
                if (item.GrossMassKg is not > 0) errors.Add(($"{at}.grossMassKg", "must be greater than 0"));
                if (item.NetMassKg is not > 0) errors.Add(($"{at}.netMassKg", "must be greater than 0"));
                else if (item.GrossMassKg is > 0 && item.NetMassKg > item.GrossMassKg)
                    errors.Add(($"{at}.netMassKg", "must not exceed grossMassKg"));
                if (item.CustomsValue is not > 0) errors.Add(($"{at}.customsValue", "must be greater than 0"));
                if (item.Currency is null || !Regex.IsMatch(item.Currency, "^[A-Z]{3}$"))
                    errors.Add(($"{at}.currency", "must be an ISO 4217 code, e.g. USD"));
                else if (firstCurrency is null) firstCurrency = item.Currency;
                else if (item.Currency != firstCurrency)
                    errors.Add(($"{at}.currency", $"every item must be declared in the same currency ({firstCurrency})"));
            }
        }

        if (DocumentHashes is null || DocumentHashes.Count == 0) errors.Add(("documentHashes", "at least one supporting document is required"));
        else
        {
            for (var i = 0; i < DocumentHashes.Count; i++)
            {
                if (!Hex.IsHash32(DocumentHashes[i])) errors.Add(($"documentHashes[{i}]", "must be a 0x-prefixed 32-byte hex hash"));
            }
            if (DocumentHashes.Distinct(StringComparer.OrdinalIgnoreCase).Count() != DocumentHashes.Count)
                errors.Add(("documentHashes", "must not repeat a document"));
        }
        return errors;
    }

    public IReadOnlyList<GoodsItem> ToItems() => Items!.Select((i, n) => new GoodsItem(n + 1, i.HsCode!, i.Description!.Trim(), i.OriginCountry!,
        i.Quantity!.Value, i.Unit!, i.GrossMassKg!.Value, i.NetMassKg!.Value, i.CustomsValue!.Value, i.Currency!)).ToList();
}

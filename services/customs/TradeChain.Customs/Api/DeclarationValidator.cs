using System.Text.RegularExpressions;
using TradeChain.Customs.Domain;
using TradeChain.Domain;
using TradeChain.Domain.Hashing;

namespace TradeChain.Customs.Api;

/// <summary>The procedure codes a declaration type takes: their possible first digits and the default.</summary>
public sealed record ProcedureRule(string Type, string DefaultCode, string FirstDigits);

/// <summary>
/// Checks a declaration and reports every failure at once, each naming the field path and the rule:
/// reference data, formats, tariff presence, and cross-field rules.
/// </summary>
public sealed class DeclarationValidator(ReferenceData reference, Tariff tariff, ExchangeRates rates, TimeProvider clock)
{
    private static readonly Regex UnLocode = new("^[A-Z]{2}[A-Z2-9]{3}$", RegexOptions.Compiled);
    private static readonly Regex HsCode = new("^[0-9]{6,10}$", RegexOptions.Compiled);
    private static readonly Regex Procedure = new("^[0-9]{4}$", RegexOptions.Compiled);

    // Bounds keep every computation far inside decimal's range (value × exchange rate × rate, quantity × specific amount).
    public const decimal MaxCustomsValue = 1_000_000_000_000m;
    public const decimal MaxQuantity = 1_000_000_000m;
    public const decimal MaxMassKg = 1_000_000_000m;
    public const int MaxItems = 999;
    public const int MaxDeclarationAgeDays = 30;
    public const int MaxReferenceLength = 35;
    public const int MaxDescriptionLength = 512;
    public const int MaxContainers = 999;
    public const int MaxDocuments = 100;
    public const int MaxNameLength = InputLimits.Name;

    public (DeclarationContent? Content, List<(string Field, string Rule)> Errors) Validate(LodgeDeclarationRequest r)
    {
        var errors = new List<(string, string)>();
        void Fail(string field, string rule) => errors.Add((field, rule));

        DeclarationType type = default;
        if (!Codes.TryParse(r.Type, out type))
            Fail("type", "must be one of export, import, transit");
        if (string.IsNullOrWhiteSpace(r.LocalReferenceNumber) || r.LocalReferenceNumber.Length > MaxReferenceLength)
            Fail("localReferenceNumber", $"is required, at most {MaxReferenceLength} characters");
        else if (TextRules.Problem(r.LocalReferenceNumber, MaxReferenceLength) is { } lrn) Fail("localReferenceNumber", lrn);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var date = r.DeclarationDate ?? today;
        if (date > today) Fail("declarationDate", "must not be in the future");
        if (date < today.AddDays(-MaxDeclarationAgeDays)) Fail("declarationDate", $"must be within the last {MaxDeclarationAgeDays} days");
        Locode("officeOfDeclaration", r.OfficeOfDeclaration);
        if (r.Incoterm is null || !ReferenceData.Incoterms2020.Contains(r.Incoterm))
            Fail("incoterm", $"must be an Incoterms 2020 rule: {string.Join(", ", ReferenceData.Incoterms2020)}");
        CheckParty("exporter", r.Exporter);
        CheckParty("importer", r.Importer);

        var c = r.Consignment;
        if (c is null) Fail("consignment", "is required");
        else
        {
            if (c.TransportMode is not { } mode || !ReferenceData.TransportModes.ContainsKey(mode))
                Fail("consignment.transportMode", $"must be a UN Rec 19 mode: {string.Join(", ", ReferenceData.TransportModes.Select(m => $"{m.Key} {m.Value}"))}");
            if (string.IsNullOrWhiteSpace(c.MeansOfTransport)) Fail("consignment.meansOfTransport", "is required (vessel and voyage, flight, truck plate…)");
            else if (TextRules.Problem(c.MeansOfTransport, MaxNameLength) is { } means) Fail("consignment.meansOfTransport", means);
            if (c.Containers is { Count: > MaxContainers }) Fail("consignment.containers", $"at most {MaxContainers} containers");
            for (var i = 0; i < (c.Containers?.Count ?? 0) && i < MaxContainers; i++)
            {
                if (!ContainerNumber.IsValid(c.Containers![i]))
                    Fail($"consignment.containers[{i}]", "must be an ISO 6346 container number with a correct check digit, e.g. CSQU3054383");
            }
            Locode("consignment.placeOfLoading", c.PlaceOfLoading);
            Locode("consignment.placeOfDischarge", c.PlaceOfDischarge);
        }

        var items = new List<GoodsItem>();
        if (r.Items is null || r.Items.Count == 0) Fail("items", "at least one goods item is required");
        else if (r.Items.Count > MaxItems) Fail("items", $"at most {MaxItems} goods items");
        else
        {
            string? currency = null;
            for (var i = 0; i < r.Items.Count; i++)
            {
                var item = r.Items[i];
                var at = $"items[{i}]";
                if (item is null) { Fail(at, "is required"); continue; }
                var before = errors.Count;
                if (item.ItemNumber != i + 1) Fail($"{at}.itemNumber", $"items must be numbered 1, 2, 3… in order: expected {i + 1}");
                TariffLine? line = null;
                if (item.HsCode is null || !HsCode.IsMatch(item.HsCode)) Fail($"{at}.hsCode", "must be 6 to 10 digits");
                else if ((line = tariff.Find(item.HsCode)) is null) Fail($"{at}.hsCode", $"{item.HsCode} is not in the tariff");
                if (string.IsNullOrWhiteSpace(item.Description) || item.Description.Length > MaxDescriptionLength) Fail($"{at}.description", $"is required, at most {MaxDescriptionLength} characters");
                else if (TextRules.Problem(item.Description, MaxDescriptionLength, multiline: true) is { } description) Fail($"{at}.description", description);
                if (item.OriginCountry is null || !reference.Countries.Contains(item.OriginCountry))
                    Fail($"{at}.originCountry", "must be an ISO 3166-1 alpha-2 country code, e.g. VN");
                if (item.Quantity is not > 0 || item.Quantity > MaxQuantity) Fail($"{at}.quantity", $"must be greater than 0 and at most {MaxQuantity:0}");
                if (item.Unit is null || !reference.Units.Contains(item.Unit)) Fail($"{at}.unit", "must be a UN/ECE Rec 20 unit code, e.g. KGM, NAR, LTR");
                if (item.GrossMassKg is not > 0 || item.GrossMassKg > MaxMassKg) Fail($"{at}.grossMassKg", $"must be greater than 0 and at most {MaxMassKg:0}");
                if (item.NetMassKg is not > 0 || item.NetMassKg > MaxMassKg) Fail($"{at}.netMassKg", $"must be greater than 0 and at most {MaxMassKg:0}");
                else if (item.GrossMassKg is > 0 && item.NetMassKg > item.GrossMassKg) Fail($"{at}.netMassKg", "must not exceed grossMassKg");
                if (item.CustomsValue is not > 0 || item.CustomsValue > MaxCustomsValue) Fail($"{at}.customsValue", $"must be greater than 0 and at most {MaxCustomsValue:0}");
                if (item.Currency is null || !reference.Currencies.ContainsKey(item.Currency))
                    Fail($"{at}.currency", "must be an ISO 4217 currency code, e.g. USD");
                else
                {
                    if (item.CustomsValue is { } value && decimal.Round(value, reference.Currencies[item.Currency]) != value)
                        Fail($"{at}.customsValue", $"has more decimals than {item.Currency} allows ({reference.Currencies[item.Currency]})");
                    if (currency is null) currency = item.Currency;
                    else if (item.Currency != currency) Fail($"{at}.currency", $"every item must be invoiced in the same currency ({currency})");
                    if (item.Currency != tariff.NationalCurrency && rates.Find(item.Currency, date) is null)
                        Fail($"{at}.currency", $"no {item.Currency} exchange rate is valid on the declaration date {date:yyyy-MM-dd}");
                }
                if (item.ValuationMethod is { } method && !ReferenceData.ValuationMethods.ContainsKey(method)) Fail($"{at}.valuationMethod", "must be a WTO valuation method 1 to 6");
                var procedure = item.ProcedureCode ?? DefaultProcedure(type);
                if (!Procedure.IsMatch(procedure)) Fail($"{at}.procedureCode", "must be 4 digits");
                else if (!ProcedureFits(type, procedure)) Fail($"{at}.procedureCode", $"{procedure} is not a procedure for a {type.ToString().ToLowerInvariant()} declaration");
                var preference = item.PreferenceCode ?? PreferenceCodes.General;
                if (preference is not (PreferenceCodes.General or PreferenceCodes.Preferential))
                    Fail($"{at}.preferenceCode", "must be 100 (general duty) or 300 (preferential rate claimed)");
                else if (preference == PreferenceCodes.Preferential)
                {
                    if (type != DeclarationType.Import) Fail($"{at}.preferenceCode", "a preferential rate can only be claimed on an import");
                    else if (line is not null && item.OriginCountry is not null && tariff.PreferencesFor(line, item.OriginCountry).Count == 0)
                        Fail($"{at}.originCountry", $"origin {item.OriginCountry} qualifies for no preferential rate on tariff line {line.HsCode}");
                }
                if (line is not null && item.Unit is not null && type != DeclarationType.Transit)
                {
                    var rate = type == DeclarationType.Export ? line.Export : line.Import;
                    foreach (var unit in (rate?.QuantityUnits() ?? []).Where(u => u is not ("KGM" or "TNE") && u != item.Unit).Distinct())
                        Fail($"{at}.unit", $"tariff line {line.HsCode} charges duty per {unit}: declare the quantity in {unit}");
                }
                if (errors.Count == before)
                {
                    items.Add(new GoodsItem(i + 1, item.HsCode!, item.Description!.Trim(), item.OriginCountry!, item.Quantity!.Value, item.Unit!,
                        item.GrossMassKg!.Value, item.NetMassKg!.Value, item.CustomsValue!.Value, item.Currency!, item.ValuationMethod ?? 1, procedure, preference));
                }
            }
        }

        var documents = ValidateDocuments(r.Documents, errors);
        // A preference claimed without a certificate of origin is not refused here: selectivity routes it to a
        // documentary check (rule Y-PREFERENCE-WITHOUT-CO), where the officer can ask for the certificate.

        if (errors.Count > 0) return (null, errors);
        var content = new DeclarationContent(type, date, r.OfficeOfDeclaration!, r.Incoterm!,
            ToParty(r.Exporter!), ToParty(r.Importer!),
            new Consignment(c!.TransportMode!.Value, c.MeansOfTransport!.Trim(), c.Containers ?? [], c.PlaceOfLoading!, c.PlaceOfDischarge!),
            items, documents);
        return (content, errors);

        void Locode(string field, string? code)
        {
            if (code is null || !UnLocode.IsMatch(code)) Fail(field, "must be a UN/LOCODE: 2-letter country and 3 letters or digits 2–9, e.g. VNSGN");
            else if (!reference.Countries.Contains(code[..2])) Fail(field, $"{code[..2]} is not an ISO 3166-1 country");
        }

        void CheckParty(string field, PartyRequest? p)
        {
            if (p is null) { Fail(field, "is required"); return; }
            if (string.IsNullOrWhiteSpace(p.Name)) Fail($"{field}.name", "is required");
            else if (TextRules.Problem(p.Name, MaxNameLength) is { } name) Fail($"{field}.name", name);
            if (string.IsNullOrWhiteSpace(p.Identifier) || p.Identifier.Length > MaxReferenceLength) Fail($"{field}.identifier", $"is required (TIN, EORI or trader number), at most {MaxReferenceLength} characters");
            else if (TextRules.Problem(p.Identifier, MaxReferenceLength) is { } identifier) Fail($"{field}.identifier", identifier);
            if (p.Country is null || !reference.Countries.Contains(p.Country)) Fail($"{field}.country", "must be an ISO 3166-1 alpha-2 country code");
        }
    }

    /// <summary>Attached documents: a known type and a 32-byte hash each, at least one, none twice. Failures go into <paramref name="errors"/>.</summary>
    public static List<AttachedDocument> ValidateDocuments(IReadOnlyList<DocumentRequest>? requested, List<(string Field, string Rule)> errors)
    {
        var documents = new List<AttachedDocument>();
        if (requested is null || requested.Count == 0)
        {
            errors.Add(("documents", "at least one document is required"));
            return documents;
        }
        if (requested.Count > MaxDocuments)
        {
            errors.Add(("documents", $"at most {MaxDocuments} documents"));
            return documents;
        }
        for (var i = 0; i < requested.Count; i++)
        {
            var d = requested[i];
            if (d?.Type is null || !ReferenceData.DocumentTypes.Contains(d.Type))
                errors.Add(($"documents[{i}].type", $"must be one of {string.Join(", ", ReferenceData.DocumentTypes)}"));
            if (!Hex.IsHash32(d?.Hash)) errors.Add(($"documents[{i}].hash", "must be a 0x-prefixed 32-byte hex hash"));
            else if (d!.Type is not null) documents.Add(new AttachedDocument(d.Type, d.Hash!.ToLowerInvariant()));
        }
        if (requested.Where(d => d?.Hash is not null).GroupBy(d => d.Hash!.ToLowerInvariant()).Any(g => g.Count() > 1))
            errors.Add(("documents", "must not attach the same document twice"));
        return documents;
    }

    /// <summary>An examining officer's corrections: each names an item once and corrects at least one value, every value as a lodged item's would be checked.</summary>
    public List<(string Field, string Rule)> ValidateCorrections(IReadOnlyList<ItemCorrection?> corrections)
    {
        var errors = new List<(string, string)>();
        if (corrections.Count > MaxItems) return [("corrections", $"at most {MaxItems} corrections, one per goods item")];
        var corrected = new HashSet<int>();
        for (var i = 0; i < corrections.Count; i++)
        {
            var c = corrections[i];
            if (c is null) { errors.Add(($"corrections[{i}]", "is required")); continue; }
            if (c.HsCode is not null && (!HsCode.IsMatch(c.HsCode) || tariff.Find(c.HsCode) is null))
                errors.Add(($"corrections[{i}].hsCode", "must be 6 to 10 digits and in the tariff"));
            if (c.OriginCountry is not null && !reference.Countries.Contains(c.OriginCountry)) errors.Add(($"corrections[{i}].originCountry", "must be an ISO 3166-1 alpha-2 country code"));
            if (c.CustomsValue is <= 0 or > MaxCustomsValue) errors.Add(($"corrections[{i}].customsValue", "must be greater than 0 and within bounds"));
            if (c.NetMassKg is <= 0 or > MaxMassKg) errors.Add(($"corrections[{i}].netMassKg", "must be greater than 0 and within bounds"));
            if (c.Quantity is <= 0 or > MaxQuantity) errors.Add(($"corrections[{i}].quantity", "must be greater than 0 and within bounds"));
            if (!corrected.Add(c.ItemNumber)) errors.Add(($"corrections[{i}].itemNumber", $"item {c.ItemNumber} is corrected twice"));
            if (c is { HsCode: null, OriginCountry: null, Quantity: null, NetMassKg: null, CustomsValue: null })
                errors.Add(($"corrections[{i}]", "must correct at least one value"));
        }
        return errors;
    }

    private static Party ToParty(PartyRequest p) => new(p.Name!.Trim(), p.Identifier!.Trim(), p.Country!);

    /// <summary>
    /// Which procedure codes fit each declaration type — the first digit: 1–3 export, 4–7 import, 8 transit — and the
    /// code assumed when an item names none (permanent export, release for free circulation, transit).
    /// </summary>
    public static readonly IReadOnlyDictionary<DeclarationType, ProcedureRule> Procedures = new Dictionary<DeclarationType, ProcedureRule>
    {
        [DeclarationType.Export] = new("export", "1000", "123"),
        [DeclarationType.Import] = new("import", "4000", "4567"),
        [DeclarationType.Transit] = new("transit", "8000", "8"),
    };

    private static string DefaultProcedure(DeclarationType type) => Procedures[type].DefaultCode;

    private static bool ProcedureFits(DeclarationType type, string code) => Procedures[type].FirstDigits.Contains(code[0]);
}

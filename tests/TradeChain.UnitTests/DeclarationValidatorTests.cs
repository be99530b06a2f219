using Microsoft.Extensions.Time.Testing;
using TradeChain.Customs.Api;
using TradeChain.Customs.Domain;
using static TradeChain.UnitTests.CustomsFixtures;

namespace TradeChain.UnitTests;

public class DeclarationValidatorTests
{
    private static readonly ReferenceData Reference = new(
        new HashSet<string>(["VN", "DE", "TH", "US", "CN", "SG", "FR"]),
        new Dictionary<string, int> { ["USD"] = 2, ["VND"] = 0, ["EUR"] = 2 },
        new HashSet<string>(["KGM", "NAR", "LTR", "MTQ"]));

    private static readonly DeclarationValidator Validator = new(Reference, SampleTariff, SampleRates, new FakeTimeProvider(Now));

    private static GoodsItemRequest GoodItem(int number = 1) =>
        new(number, "09011190", "Green coffee", "VN", 320, "NAR", 19_500, 19_200, 48_000, "USD", 1, "1000", "100");

    private static LodgeDeclarationRequest Good(string type = "export", params GoodsItemRequest[] items) => new(type, "LRN-1", null, "VNSGN", "FOB",
        new PartyRequest("ACME", "VN0312345678", "VN"), new PartyRequest("Hamburg Roasters", "DE1234", "DE"),
        new ConsignmentRequest(1, "MAERSK SELETAR 245W", ["CSQU3054383"], "VNSGN", "DEHAM"),
        items.Length == 0 ? [GoodItem()] : items,
        [new DocumentRequest("certificate-of-origin", "0x" + new string('a', 64)), new DocumentRequest("commercial-invoice", "0x" + new string('b', 64))]);

    private static HashSet<string> Fields(LodgeDeclarationRequest request) => Validator.Validate(request).Errors.Select(e => e.Field).ToHashSet();

    [Fact]
    public void A_valid_declaration_becomes_content_dated_today()
    {
        var (content, errors) = Validator.Validate(Good());
        Assert.Empty(errors);
        Assert.Equal((DeclarationType.Export, Today, "09011190"), (content!.Type, content.DeclarationDate, content.Items[0].HsCode));
    }

    [Fact]
    public void Every_failing_field_is_reported_at_once_with_its_rule()
    {
        var request = new LodgeDeclarationRequest("smuggling", "", Today.AddDays(1), "saigon", "FOBX",
            new PartyRequest("", null, "XX"), null, new ConsignmentRequest(6, "", ["CSQU3054384"], "ZZABC", "DEHAM"),
            [
                new GoodsItemRequest(1, "0901", "", "Vietnam", 0, "BAGS", 10, 12, -1, "usd", 9, "12", "200"),
                new GoodsItemRequest(3, "100190", "Wheat", "VN", 1, "KGM", 10, 9, 5, "EUR", 1, "1000", "100"),
            ],
            [new DocumentRequest("visa", "0x1234")]);
        var errors = Validator.Validate(request).Errors;
        string[] expected =
        [
            "type", "localReferenceNumber", "declarationDate", "officeOfDeclaration", "incoterm", "exporter.name", "exporter.identifier", "exporter.country",
            "importer", "consignment.transportMode", "consignment.meansOfTransport", "consignment.containers[0]", "consignment.placeOfLoading",
            "items[0].hsCode", "items[0].description", "items[0].originCountry", "items[0].quantity", "items[0].unit", "items[0].netMassKg",
            "items[0].customsValue", "items[0].currency", "items[0].valuationMethod", "items[0].procedureCode", "items[0].preferenceCode",
            "items[1].itemNumber", "items[1].hsCode", "documents[0].type", "documents[0].hash",
        ];
        var fields = errors.Select(e => e.Field).ToHashSet();
        foreach (var field in expected) Assert.Contains(field, fields);
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Rule)));
        Assert.Contains(errors, e => e.Field == "consignment.placeOfLoading" && e.Rule.Contains("ZZ is not an ISO 3166-1 country"));
    }

    [Fact]
    public void Container_numbers_are_checked_with_the_ISO_6346_check_digit()
    {
        Assert.True(ContainerNumber.IsValid("CSQU3054383"));
        Assert.True(ContainerNumber.IsValid("MSKU9070323"));
        Assert.False(ContainerNumber.IsValid("CSQU3054384"));
        Assert.False(ContainerNumber.IsValid("CSQX3054383")); // category must be U, J or Z
        Assert.Empty(Validator.Validate(Good() with { Consignment = new ConsignmentRequest(1, "BULK CARRIER", [], "VNSGN", "DEHAM") }).Errors); // bulk cargo has no containers
    }

    [Fact]
    public void Net_mass_may_not_exceed_gross_mass_and_items_are_numbered_in_order()
    {
        Assert.Contains("items[0].netMassKg", Fields(Good(items: GoodItem() with { NetMassKg = 20_000 })));
        Assert.Contains("items[1].itemNumber", Fields(Good("export", GoodItem(), GoodItem(3))));
        Assert.Empty(Validator.Validate(Good("export", GoodItem(), GoodItem(2))).Errors);
    }

    [Fact]
    public void Every_item_uses_one_currency_with_a_rate_valid_on_the_declaration_date()
    {
        Assert.Contains("items[1].currency", Fields(Good("export", GoodItem(), GoodItem(2) with { Currency = "VND", CustomsValue = 1_000_000 })));
        var euro = Validator.Validate(Good(items: GoodItem() with { Currency = "EUR" })).Errors;
        Assert.Contains(euro, e => e.Field == "items[0].currency" && e.Rule.Contains("no EUR exchange rate is valid on the declaration date 2026-11-25"));
        Assert.Contains("items[0].customsValue", Fields(Good(items: GoodItem() with { CustomsValue = 10.005m })));
    }

    [Fact]
    public void A_preferential_rate_needs_an_import_and_a_qualifying_origin()
    {
        var claim = GoodItem() with { HsCode = "09011190", OriginCountry = "US", PreferenceCode = "300", ProcedureCode = "4000" };
        Assert.Contains("items[0].preferenceCode", Fields(Good("export", claim with { OriginCountry = "TH", ProcedureCode = "1000" })));
        Assert.Contains("items[0].originCountry", Fields(Good("import", claim)));
        // Without a certificate of origin the claim is accepted here; selectivity sends it to a documentary check.
        var withoutCertificate = Good("import", claim with { OriginCountry = "TH" }) with { Documents = [new DocumentRequest("commercial-invoice", "0x" + new string('b', 64))] };
        Assert.Empty(Validator.Validate(withoutCertificate).Errors);
        Assert.Empty(Validator.Validate(Good("import", claim with { OriginCountry = "TH" })).Errors);
    }

    [Fact]
    public void The_procedure_code_must_fit_the_declaration_type()
    {
        Assert.Contains("items[0].procedureCode", Fields(Good("import", GoodItem())));
        Assert.Empty(Validator.Validate(Good("import", GoodItem() with { ProcedureCode = "4000" })).Errors);
    }

    [Fact]
    public void A_specific_duty_line_needs_the_quantity_in_its_unit()
    {
        var wine = GoodItem() with { HsCode = "22042100", ProcedureCode = "4000" };
        Assert.Contains("items[0].unit", Fields(Good("import", wine)));
        Assert.Empty(Validator.Validate(Good("import", wine with { Unit = "LTR" })).Errors);
    }

    [Fact]
    public void An_examiners_corrections_are_checked_like_lodged_items()
    {
        var errors = Validator.ValidateCorrections([
            new ItemCorrection(1, "999999", "XX", 0m, null, null),
            new ItemCorrection(1, null, null, null, null, DeclarationValidator.MaxCustomsValue + 1),
            new ItemCorrection(2, null, null, null, null, null),
            null,
            new ItemCorrection(3, "090111", "DE", 5m, 10m, 100m),
        ]);
        Assert.Equal([
            ("corrections[0].hsCode", "must be 6 to 10 digits and in the tariff"),
            ("corrections[0].originCountry", "must be an ISO 3166-1 alpha-2 country code"),
            ("corrections[0].quantity", "must be greater than 0 and within bounds"),
            ("corrections[1].customsValue", "must be greater than 0 and within bounds"),
            ("corrections[1].itemNumber", "item 1 is corrected twice"),
            ("corrections[2]", "must correct at least one value"),
            ("corrections[3]", "is required"),
        ], errors);
    }
}

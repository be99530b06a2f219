using TradeChain.Customs.Api;
using TradeChain.Customs.Domain;

namespace TradeChain.UnitTests;

public class TariffTests
{
    private static readonly Tariff Tariff = new(
    [
        new TariffLine("0901", "Coffee", 0.08m, 0.02m),
        new TariffLine("090111", "Coffee, not roasted", 0.05m, 0.015m),
        new TariffLine("9303", "Firearms", 0.30m, 0.01m),
    ], importVatRate: 0.15m);

    [Fact]
    public void The_longest_matching_tariff_line_sets_the_rate()
    {
        Assert.Equal("090111", Tariff.Find("0901110010")!.HsPrefix);
        Assert.Equal("0901", Tariff.Find("090121")!.HsPrefix);
        Assert.Null(Tariff.Find("100190"));
    }

    [Fact]
    public void Export_duty_is_value_times_the_export_rate_rounded_per_line()
    {
        var notice = Tariff.Assess(DeclarationType.Export,
            [DeclarationTests.Coffee(48_000m), DeclarationTests.Coffee(333.33m, "090121") with { ItemNumber = 2 }]);
        Assert.Equal([720.00m, 6.67m], notice.Lines.Select(l => l.Duty));
        Assert.Equal(726.67m, notice.TotalDuty);
        Assert.Equal(0m, notice.Vat);
        Assert.Equal(726.67m, notice.TotalPayable);
        Assert.Contains("48000.00 USD × 0.015", notice.Lines[0].Computation);
    }

    [Fact]
    public void Import_pays_VAT_on_value_plus_duty()
    {
        var notice = Tariff.Assess(DeclarationType.Import, [DeclarationTests.Coffee(1_000m)]);
        Assert.Equal(50m, notice.TotalDuty);
        Assert.Equal(157.50m, notice.Vat); // (1000 + 50) × 15 %
        Assert.Equal(207.50m, notice.TotalPayable);
    }

    [Fact]
    public void Arms_go_red_high_values_yellow_and_the_rest_green_naming_the_rule()
    {
        Assert.Equal(Lane.Red, LaneSelection.Select([DeclarationTests.Coffee(10m, "930320")]).Lane);
        var (lane, rule) = LaneSelection.Select([DeclarationTests.Coffee(100_000m)]);
        Assert.Equal(Lane.Yellow, lane);
        Assert.StartsWith("Y1", rule);
        Assert.Equal((Lane.Green, "G0: no risk rule fired"), LaneSelection.Select([DeclarationTests.Coffee(99_999.99m)]));
    }

    [Fact]
    public void Validation_reports_every_failing_field_at_once()
    {
        var request = new LodgeDeclarationRequest("smuggling", "", "ACME", null, "saigon", "FOBX",
            [
                new GoodsItemRequest("0901", "", "Vietnam", 0, "BAGS", 10, 12, -1, "usd"),
                new GoodsItemRequest("100190", "Wheat", "VN", 1, "KGM", 10, 9, 5, "EUR"),
            ],
            ["0x1234"]);
        var fields = request.Validate(Tariff).Select(e => e.Field).ToHashSet();
        string[] expected =
        [
            "type", "localReferenceNumber", "importerName", "officeOfDeclaration", "incoterm",
            "items[0].hsCode", "items[0].description", "items[0].originCountry", "items[0].quantity", "items[0].unit",
            "items[0].netMassKg", "items[0].customsValue", "items[0].currency", "items[1].hsCode", "documentHashes[0]",
        ];
        foreach (var field in expected) Assert.Contains(field, fields);
    }

    [Fact]
    public void A_valid_declaration_passes_validation()
    {
        var request = new LodgeDeclarationRequest("export", "LRN-1", "ACME", "Hamburg Roasters", "VNSGN", "FOB",
            [new GoodsItemRequest("090111", "Green coffee", "VN", 320, "NAR", 19_500, 19_200, 48_000, "USD")], ["0x" + new string('b', 64)]);
        Assert.Empty(request.Validate(Tariff));
    }
}

using TradeChain.Customs.Domain;
using static TradeChain.UnitTests.CustomsFixtures;

namespace TradeChain.UnitTests;

public class SelectivityTests
{
    private static readonly SelectivityEngine Engine = new(
    [
        new SelectivityRule("R-ARMS", "arms", Lane.Red, 100, new RuleCriteria(HsPrefixes: ["93"])),
        new SelectivityRule("Y-PREF-NO-CO", "preference without certificate", Lane.Yellow, 60, new RuleCriteria(PreferenceClaimed: true, MissingDocumentTypes: ["certificate-of-origin"])),
        new SelectivityRule("Y-STEEL-CN", "steel from China", Lane.Yellow, 55, new RuleCriteria(HsPrefixes: ["7210"], Origins: ["CN"])),
        new SelectivityRule("Y-HIGH-VALUE", "high value", Lane.Yellow, 40, new RuleCriteria(MinCustomsValue: 5_000_000_000m)),
        new SelectivityRule("B-AEO", "trusted trader", Lane.Blue, 10, new RuleCriteria(Declarants: ["EXP-AEO"])),
    ], new Dictionary<Lane, decimal> { [Lane.Red] = 0.02m, [Lane.Yellow] = 0.05m, [Lane.Blue] = 0.05m }, seed: 42);

    private static LaneDecision Select(DeclarationContent content, string declarant = "EXP-ACME", decimal value = 1_000_000m, Guid? id = null) =>
        Engine.Select(id ?? Guid.Empty, declarant, content, value);

    [Fact]
    public void The_heaviest_fired_rule_sets_the_lane_and_every_fired_rule_is_recorded()
    {
        var decision = Select(Content(DeclarationType.Import, Item(hs: "930320"), Item(hs: "090111", number: 2)), declarant: "EXP-AEO", value: 6_000_000_000m);
        Assert.Equal(Lane.Red, decision.Lane);
        Assert.Equal(["R-ARMS", "Y-HIGH-VALUE", "B-AEO"], decision.FiredRules.Select(r => r.Id));
        Assert.StartsWith("rule R-ARMS", decision.Explanation);
        Assert.Null(decision.RandomDraw);
    }

    [Fact]
    public void A_preference_without_a_certificate_of_origin_goes_yellow()
    {
        var content = Content(DeclarationType.Import, Item(origin: "TH", preference: PreferenceCodes.Preferential)) with
        {
            Documents = [new AttachedDocument("commercial-invoice", "0x" + new string('b', 64))],
        };
        Assert.Equal("Y-PREF-NO-CO", Select(content).FiredRules[0].Id);
        Assert.DoesNotContain(Select(Content(DeclarationType.Import, Item(origin: "TH", preference: PreferenceCodes.Preferential))).FiredRules, r => r.Id == "Y-PREF-NO-CO");
    }

    [Fact]
    public void HS_code_and_origin_criteria_must_hold_on_the_same_item()
    {
        var sameItem = Content(DeclarationType.Import, Item(hs: "721049", origin: "CN"));
        var splitAcrossItems = Content(DeclarationType.Import, Item(hs: "721049", origin: "KR"), Item(hs: "090111", origin: "CN", number: 2));
        Assert.Contains(Select(sameItem).FiredRules, r => r.Id == "Y-STEEL-CN");
        Assert.DoesNotContain(Select(splitAcrossItems).FiredRules, r => r.Id == "Y-STEEL-CN");
    }

    [Fact]
    public void An_item_rules_value_limit_looks_at_the_matching_items_only()
    {
        var engine = new SelectivityEngine([new SelectivityRule("R-TOBACCO-LOW", "cheap tobacco", Lane.Red, 70, new RuleCriteria(HsPrefixes: ["24"], MaxCustomsValue: 50_000_000m))],
            new Dictionary<Lane, decimal>(), seed: 1);
        var tobaccoOnly = Content(DeclarationType.Import, Item(hs: "240220", value: 1_000m));
        var withExpensiveLaptops = Content(DeclarationType.Import, Item(hs: "240220", value: 1_000m), Item(hs: "847130", value: 99_000m, number: 2));
        // 1,000 USD of cigarettes is 25 million VND either way; the laptops must not lift it over the limit.
        Assert.Equal(Lane.Red, engine.Select(Guid.Empty, "EXP", tobaccoOnly, 25_000_000m).Lane);
        Assert.Equal(Lane.Red, engine.Select(Guid.Empty, "EXP", withExpensiveLaptops, 2_500_000_000m).Lane);
    }

    [Fact]
    public void The_value_threshold_is_inclusive()
    {
        Assert.Contains(Select(Content(DeclarationType.Export), value: 5_000_000_000m).FiredRules, r => r.Id == "Y-HIGH-VALUE");
        Assert.DoesNotContain(Select(Content(DeclarationType.Export), value: 4_999_999_999m).FiredRules, r => r.Id == "Y-HIGH-VALUE");
    }

    [Fact]
    public void Random_selection_is_reproducible_for_the_same_declaration_and_seed()
    {
        var id = Guid.Parse("6f1c7a52-3b7e-4a43-9f59-2b1f0f4b7c11");
        var first = Select(Content(DeclarationType.Export), id: id);
        Assert.Equal(first, Select(Content(DeclarationType.Export), id: id));
        Assert.NotNull(first.RandomDraw);
        var otherSeed = new SelectivityEngine([], Engine.RandomRates, seed: 43);
        Assert.NotEqual(first.RandomDraw, otherSeed.Select(id, "EXP-ACME", Content(DeclarationType.Export), 1m).RandomDraw);
    }

    [Fact]
    public void Random_selection_follows_the_configured_rates()
    {
        var counts = new Dictionary<Lane, int>();
        for (var i = 0; i < 20_000; i++)
        {
            var id = new Guid(i, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]);
            var lane = Select(Content(DeclarationType.Export), id: id).Lane;
            counts[lane] = counts.GetValueOrDefault(lane) + 1;
        }
        // 2 %, 5 %, 5 %, 88 % of 20,000: allow ±25 % of each expectation (several standard deviations).
        Assert.InRange(counts[Lane.Red], 300, 500);
        Assert.InRange(counts[Lane.Yellow], 750, 1_250);
        Assert.InRange(counts[Lane.Blue], 750, 1_250);
        Assert.InRange(counts[Lane.Green], 16_800, 18_400);
    }

    [Fact]
    public void The_shipped_rules_load_and_route_the_golden_path_exporter_blue()
    {
        var engine = SelectivityEngine.Load(Path.Combine(AppContext.BaseDirectory, "Data", "selectivity.json"));
        Assert.True(engine.Rules.Count >= 8);
        var decision = engine.Select(Guid.NewGuid(), "EXP-AEO-SAIGON", Content(DeclarationType.Export), 1_000_000_000m);
        Assert.Equal((Lane.Blue, "B-AEO"), (decision.Lane, decision.FiredRules[0].Id));
    }
}

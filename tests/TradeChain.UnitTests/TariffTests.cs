using TradeChain.Customs.Domain;
using TradeChain.Domain;
using static TradeChain.UnitTests.CustomsFixtures;

namespace TradeChain.UnitTests;

/// <summary>Duty computations checked against hand-computed figures (USD at 25,000 VND; VND has no minor unit).</summary>
public class TariffTests
{
    private static AssessmentNotice Assess(DeclarationType type, params GoodsItem[] items) => SampleTariff.Assess(Content(type, items), SampleRates);

    [Fact]
    public void The_longest_matching_tariff_line_sets_the_rate()
    {
        Assert.Equal("22042100", SampleTariff.Find("2204210010")!.HsCode);
        Assert.Equal("090111", SampleTariff.Find("09011190")!.HsCode);
        Assert.Null(SampleTariff.Find("100190"));
    }

    [Fact]
    public void General_ad_valorem_import_duty_and_VAT_on_value_plus_duty()
    {
        // 1,000 USD × 25,000 = 25,000,000 VND; duty 20 % = 5,000,000; VAT 5 % × 30,000,000 = 1,500,000
        var line = Assert.Single(Assess(DeclarationType.Import, Item(value: 1_000m)).Lines);
        Assert.Equal((25_000_000m, 5_000_000m, 1_500_000m), (line.CustomsValueNational, line.Duty, line.Vat));
        Assert.Contains("general (MFN)", line.DutyBasis);
        Assert.Equal("1000 USD × 25000 = 25000000 VND; general (MFN) import duty: 25000000 × 0.2 = 5000000", line.DutyComputation);
    }

    [Fact]
    public void A_preferential_rate_applies_to_qualifying_origins_and_the_best_agreement_wins()
    {
        var asean = Assert.Single(Assess(DeclarationType.Import, Item(origin: "TH", preference: PreferenceCodes.Preferential)).Lines);
        Assert.Equal(0m, asean.Duty);
        Assert.Equal(1_250_000m, asean.Vat); // 5 % of 25,000,000
        Assert.Contains("ASEAN", asean.DutyBasis);

        var eu = Assert.Single(Assess(DeclarationType.Import, Item(origin: "DE", preference: PreferenceCodes.Preferential)).Lines);
        Assert.Equal(1_250_000m, eu.Duty); // 5 % EU rate
    }

    [Fact]
    public void A_preference_for_an_origin_outside_every_group_is_refused()
    {
        var refused = Assert.Throws<DomainRuleViolation>(() => Assess(DeclarationType.Import, Item(origin: "US", preference: PreferenceCodes.Preferential)));
        Assert.Equal("preference-origin", refused.Rule);
    }

    [Fact]
    public void A_specific_duty_is_charged_per_declared_unit()
    {
        // 750 LTR × 3,000 = 2,250,000; VAT 10 % × (12,500,000 + 2,250,000) = 1,475,000
        var line = Assert.Single(Assess(DeclarationType.Import, Item(hs: "22042100", value: 500m, quantity: 750m, unit: "LTR")).Lines);
        Assert.Equal((2_250_000m, 1_475_000m), (line.Duty, line.Vat));
        Assert.Contains("750 LTR × 3000 = 2250000", line.DutyComputation);
    }

    [Fact]
    public void A_specific_duty_needs_the_quantity_in_its_unit()
    {
        Assert.Equal("quantity-unit", Assert.Throws<DomainRuleViolation>(() => Assess(DeclarationType.Import, Item(hs: "22042100", unit: "NAR"))).Rule);
    }

    [Fact]
    public void A_mixed_duty_is_bounded_by_its_minimum_and_maximum()
    {
        // 400 USD = 10,000,000 VND × 5 % = 500,000, below 1,000 kg × 1,000 = 1,000,000: the minimum applies
        var minimum = Assert.Single(Assess(DeclarationType.Import, Item(hs: "170199", value: 400m, netMass: 1_000m)).Lines);
        Assert.Equal(1_000_000m, minimum.Duty);
        Assert.Contains("minimum applies", minimum.DutyComputation);

        // 2,000 USD = 50,000,000 VND × 5 % = 2,500,000, above 1,000 kg × 2,000 = 2,000,000: the maximum applies
        var maximum = Assert.Single(Assess(DeclarationType.Import, Item(hs: "170199", value: 2_000m, netMass: 1_000m)).Lines);
        Assert.Equal(2_000_000m, maximum.Duty);
        Assert.Contains("maximum applies", maximum.DutyComputation);

        // 1,200 USD = 30,000,000 × 5 % = 1,500,000, between the bounds
        Assert.Equal(1_500_000m, Assess(DeclarationType.Import, Item(hs: "170199", value: 1_200m, netMass: 1_000m)).Lines[0].Duty);
    }

    [Fact]
    public void Amounts_are_rounded_half_away_from_zero_per_line()
    {
        // 1,000,030 VND × 15 %... via the 30 % shotgun line: 1,000,015 × 0.3 = 300,004.5 → 300,005 (banker's rounding would give 300,004)
        var line = Assert.Single(Assess(DeclarationType.Import, Item(hs: "930320", value: 1_000_015m, currency: "VND")).Lines);
        Assert.Equal(300_005m, line.Duty);
        var notice = Assess(DeclarationType.Import, Item(hs: "930320", value: 1_000_015m, currency: "VND"), Item(hs: "930320", value: 1_000_015m, currency: "VND", number: 2));
        Assert.Equal(600_010m, notice.TotalsByTax[Tariff.DutyTax]); // sum of rounded lines, not the rounded sum (600,009)
        Assert.Contains("half away from zero", notice.RoundingRule);
    }

    [Fact]
    public void Exports_pay_the_export_duty_and_no_VAT()
    {
        var notice = Assess(DeclarationType.Export, Item(hs: "440399", value: 2_000m, quantity: 12m, unit: "MTQ"));
        Assert.Equal(5_000_000m, notice.TotalsByTax[Tariff.DutyTax]); // 50,000,000 × 10 %
        Assert.Equal(0m, notice.TotalsByTax[Tariff.VatTax]);
        Assert.Equal(0m, Assess(DeclarationType.Export, Item(hs: "847130")).TotalPayable); // no export duty on the line
    }

    [Fact]
    public void Totals_are_given_per_tax_type()
    {
        var notice = Assess(DeclarationType.Import, Item(value: 1_000m), Item(hs: "22042100", value: 500m, quantity: 750m, unit: "LTR", number: 2));
        Assert.Equal(7_250_000m, notice.TotalsByTax[Tariff.DutyTax]); // 5,000,000 + 2,250,000
        Assert.Equal(2_975_000m, notice.TotalsByTax[Tariff.VatTax]);  // 1,500,000 + 1,475,000
        Assert.Equal(10_225_000m, notice.TotalPayable);
    }

    [Fact]
    public void A_currency_without_a_rate_on_the_declaration_date_is_refused()
    {
        var content = Content(DeclarationType.Import, Item(currency: "EUR"));
        Assert.Equal("exchange-rate", Assert.Throws<DomainRuleViolation>(() => SampleTariff.Assess(content, SampleRates)).Rule);
        var december = Content(DeclarationType.Import) with { DeclarationDate = new DateOnly(2026, 12, 1) };
        Assert.Equal("exchange-rate", Assert.Throws<DomainRuleViolation>(() => SampleTariff.Assess(december, SampleRates)).Rule);
    }
}

using TradeChain.Customs.Domain;

namespace TradeChain.UnitTests;

/// <summary>A small tariff, rates and rules whose every number is easy to check by hand.</summary>
internal static class CustomsFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    public static readonly Tariff SampleTariff = new("VND", 0, 0.10m,
        new Dictionary<string, IReadOnlyList<string>> { ["ASEAN"] = ["TH", "VN", "SG"], ["EU"] = ["DE", "FR"] },
        [
            new TariffLine("090111", "Coffee, not roasted", "KGM", new DutyRate(DutyRate.AdValorem, Rate: 0.20m), new DutyRate(DutyRate.AdValorem, Rate: 0.02m),
                [new PreferentialRate("ASEAN", new DutyRate(DutyRate.AdValorem, Rate: 0m)), new PreferentialRate("EU", new DutyRate(DutyRate.AdValorem, Rate: 0.05m))], 0.05m),
            new TariffLine("22042100", "Wine, containers of 2 l or less", "LTR", new DutyRate(DutyRate.Specific, Amount: 3_000m, Per: "LTR"), null, null, null),
            new TariffLine("170199", "Cane sugar, refined", "KGM",
                new DutyRate(DutyRate.Mixed, Rate: 0.05m, Minimum: new SpecificAmount(1_000m, "KGM"), Maximum: new SpecificAmount(2_000m, "KGM")), null, null, null),
            new TariffLine("440399", "Wood in the rough", "MTQ", DutyRate.Free, new DutyRate(DutyRate.AdValorem, Rate: 0.10m), null, null),
            new TariffLine("930320", "Sporting shotguns", "NAR", new DutyRate(DutyRate.AdValorem, Rate: 0.30m), null, null, null),
            new TariffLine("847130", "Portable computers", "NAR", DutyRate.Free, null, null, null),
            new TariffLine("721049", "Flat-rolled steel, zinc-coated", "KGM", new DutyRate(DutyRate.AdValorem, Rate: 0.15m), null, null, null),
        ]);

    public static readonly ExchangeRates SampleRates = new([new ExchangeRate("USD", 25_000m, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30))]);

    public static GoodsItem Item(string hs = "090111", decimal value = 1_000m, string currency = "USD", string origin = "VN", decimal netMass = 1_000m,
        decimal quantity = 10m, string unit = "NAR", string preference = PreferenceCodes.General, int number = 1) =>
        new(number, hs, "goods", origin, quantity, unit, netMass + 20m, netMass, value, currency, 1, "4000", preference);

    public static DeclarationContent Content(DeclarationType type, params GoodsItem[] items) => new(type, Today, "VNSGN", "FOB",
        new Party("ACME", "VN0312345678", "VN"), new Party("Hamburg Roasters", "DE1234", "DE"),
        new Consignment(1, "MAERSK SELETAR 245W", ["CSQU3054383"], "VNSGN", "DEHAM"),
        items.Length == 0 ? [Item()] : items,
        [new AttachedDocument("certificate-of-origin", "0x" + new string('a', 64)), new AttachedDocument("commercial-invoice", "0x" + new string('b', 64))]);

    public static Declaration Lodged(DeclarationContent? content = null) =>
        Declaration.Lodge(Guid.NewGuid(), "LRN-1", "EXP-ACME", content ?? Content(DeclarationType.Export), "anh@EXP-ACME", Now, referenceUsedBy: null);

    public static AssessmentNotice Notice(decimal total) =>
        new([], new Dictionary<string, decimal> { [Tariff.DutyTax] = total, [Tariff.VatTax] = 0m }, total, "VND", "test", Today);

    public static LaneDecision Decision(Lane lane) => new(lane, [], null, $"test {lane}");

    /// <summary>The documents service's verdicts: every document of <paramref name="declaration"/> valid, issued as declared.</summary>
    public static IReadOnlyList<RecordedVerdict> AllValid(Declaration declaration) =>
        declaration.Content.Documents.Select(d => Verdict(d.Hash, d.Type)).ToList();

    public static RecordedVerdict Verdict(string hash, string? issuedType, bool valid = true, string reason = "issued") =>
        new(hash, issuedType, valid, reason, [new VerdictCheck("integrity", valid ? "valid" : "invalid", reason)], Now.ToUnixTimeMilliseconds());

    /// <summary>A lodged declaration whose documents verified, routed to <paramref name="lane"/> with <paramref name="due"/> VND payable.</summary>
    public static Declaration Assessed(Lane lane, decimal due = 500_000m, DeclarationContent? content = null)
    {
        var declaration = Lodged(content);
        Assert.Equal(VerificationOutcome.Assessed, declaration.DocumentsVerified(AllValid(declaration), _ => (Decision(lane), Notice(due)), Now));
        return declaration;
    }

    /// <summary>A declaration on <paramref name="lane"/> with its duties paid.</summary>
    public static Declaration Paid(Lane lane, decimal due = 500_000m)
    {
        var declaration = Assessed(lane, due);
        declaration.RecordPayment(declaration.PaymentReference!, due, "VND", "BNK", "customs", Now);
        return declaration;
    }
}

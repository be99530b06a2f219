using System.Text.Json;

namespace TradeChain.Customs.Domain;

/// <summary>One tariff line: the duty rates for goods whose HS code starts with <see cref="HsPrefix"/>.</summary>
public sealed record TariffLine(string HsPrefix, string Description, decimal ImportDutyRate, decimal ExportDutyRate);

/// <summary>One computed line of an assessment notice.</summary>
public sealed record AssessmentLine(int ItemNumber, string HsCode, string TariffLine, decimal CustomsValue, decimal Rate, decimal Duty, string Computation);

/// <summary>The duties due on a declaration, line by line. Amounts are rounded half away from zero to 2 decimals per line.</summary>
public sealed record AssessmentNotice(IReadOnlyList<AssessmentLine> Lines, decimal TotalDuty, decimal Vat, decimal VatRate, decimal TotalPayable, string Currency, string RoundingRule);

/// <summary>
/// A small ad valorem tariff (the full tariff with specific and preferential rates is a later step). The
/// longest matching HS prefix wins. Imports also pay VAT on customs value plus duty.
/// </summary>
public sealed class Tariff(IReadOnlyList<TariffLine> lines, decimal importVatRate)
{
    public const string Rounding = "each line rounded half away from zero to 2 decimals; totals are sums of rounded lines";

    public IReadOnlyList<TariffLine> Lines { get; } = lines;

    public decimal ImportVatRate { get; } = importVatRate;

    public static Tariff Load(string path)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<TariffFile>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidDataException($"{path} holds no tariff.");
        return new Tariff(file.Lines, file.ImportVatRate);
    }

    public TariffLine? Find(string hsCode) =>
        Lines.Where(l => hsCode.StartsWith(l.HsPrefix, StringComparison.Ordinal)).MaxBy(l => l.HsPrefix.Length);

    public AssessmentNotice Assess(DeclarationType type, IReadOnlyList<GoodsItem> items)
    {
        var currency = items[0].Currency;
        var lines = new List<AssessmentLine>();
        foreach (var item in items)
        {
            var line = Find(item.HsCode) ?? throw new TradeChain.Domain.DomainRuleViolation("hs-code-in-tariff", $"Item {item.ItemNumber}: HS code {item.HsCode} is not in the tariff.");
            var rate = type == DeclarationType.Export ? line.ExportDutyRate : type == DeclarationType.Import ? line.ImportDutyRate : 0m;
            var duty = Math.Round(item.CustomsValue * rate, 2, MidpointRounding.AwayFromZero);
            lines.Add(new AssessmentLine(item.ItemNumber, item.HsCode, line.HsPrefix, item.CustomsValue, rate, duty,
                $"{item.CustomsValue:0.00} {currency} × {rate:0.####} ({type.ToString().ToLowerInvariant()} duty, tariff {line.HsPrefix} {line.Description}) = {duty:0.00}"));
        }
        var totalDuty = lines.Sum(l => l.Duty);
        var vatRate = type == DeclarationType.Import ? ImportVatRate : 0m;
        var vat = Math.Round((items.Sum(i => i.CustomsValue) + totalDuty) * vatRate, 2, MidpointRounding.AwayFromZero);
        return new AssessmentNotice(lines, totalDuty, vat, vatRate, totalDuty + vat, currency, Rounding);
    }

    private sealed record TariffFile(decimal ImportVatRate, List<TariffLine> Lines);
}

/// <summary>
/// A first selectivity rule set (the configurable rules engine is a later step): arms and ammunition go red,
/// high-value consignments yellow, everything else green. The decision names the rule that fired.
/// </summary>
public static class LaneSelection
{
    public const decimal HighValueThreshold = 100_000m;

    public static (Lane Lane, string Rule) Select(IReadOnlyList<GoodsItem> items)
    {
        if (items.Any(i => i.HsCode.StartsWith("93", StringComparison.Ordinal)))
            return (Lane.Red, "R1: chapter 93 (arms and ammunition) is always examined");
        var total = items.Sum(i => i.CustomsValue);
        if (total >= HighValueThreshold)
            return (Lane.Yellow, $"Y1: customs value {total:0.00} at or above {HighValueThreshold:0} needs a documentary check");
        return (Lane.Green, "G0: no risk rule fired");
    }
}

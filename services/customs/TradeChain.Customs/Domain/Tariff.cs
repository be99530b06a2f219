using System.Text.Json;
using System.Text.Json.Serialization;
using TradeChain.Domain;

namespace TradeChain.Customs.Domain;

/// <summary>A quantity-based amount: so many units of national currency per unit of <see cref="Per"/> (UN/ECE Rec 20).</summary>
public sealed record SpecificAmount(decimal Amount, string Per);

/// <summary>
/// How a duty is computed: ad valorem (a rate on the customs value), specific (an amount per kg, litre, article…)
/// or mixed (ad valorem bounded by a specific minimum and/or maximum).
/// </summary>
public sealed record DutyRate(string Type, decimal? Rate = null, decimal? Amount = null, string? Per = null, SpecificAmount? Minimum = null, SpecificAmount? Maximum = null)
{
    public const string AdValorem = "adValorem";
    public const string Specific = "specific";
    public const string Mixed = "mixed";

    public static readonly DutyRate Free = new(AdValorem, Rate: 0m);

    /// <summary>The units this rate needs a quantity in (empty for ad valorem).</summary>
    public IEnumerable<string> QuantityUnits()
    {
        if (Type == Specific && Per is not null) yield return Per;
        if (Minimum is not null) yield return Minimum.Per;
        if (Maximum is not null) yield return Maximum.Per;
    }
}

public sealed record PreferentialRate(string Group, DutyRate Duty);

/// <summary>One line of the tariff: the rates for goods whose HS code starts with <see cref="HsCode"/>.</summary>
public sealed record TariffLine(string HsCode, string Description, string Unit, DutyRate Import, DutyRate? Export, IReadOnlyList<PreferentialRate>? Preferential, decimal? VatRate);

/// <summary>One computed line of an assessment notice, with the arithmetic spelled out.</summary>
public sealed record AssessmentLine(
    int ItemNumber, string HsCode, string TariffLine, string DutyBasis, string DutyType,
    decimal CustomsValue, string Currency, decimal ExchangeRate, decimal CustomsValueNational,
    decimal Duty, string DutyComputation, decimal VatRate, decimal Vat, string VatComputation);

/// <summary>What is due on a declaration: each line's computation, totals per tax type, and the rounding rule.</summary>
public sealed record AssessmentNotice(
    IReadOnlyList<AssessmentLine> Lines,
    IReadOnlyDictionary<string, decimal> TotalsByTax,
    decimal TotalPayable,
    string Currency,
    string RoundingRule,
    DateOnly ExchangeRateDate);

/// <summary>
/// The tariff: lines matched by the longest HS prefix, general (MFN) and preferential rates by origin group, export
/// duties, and VAT on customs value plus duty for imports. All amounts in the national currency, decimal arithmetic,
/// rounded per line and tax to the currency's minor units, half away from zero.
/// </summary>
public sealed class Tariff
{
    public const string DutyTax = "duty";
    public const string VatTax = "vat";

    private readonly Dictionary<string, TariffLine> _byCode;

    public Tariff(string nationalCurrency, int minorUnits, decimal vatRate, IReadOnlyDictionary<string, IReadOnlyList<string>> originGroups, IReadOnlyList<TariffLine> lines)
    {
        NationalCurrency = nationalCurrency;
        MinorUnits = minorUnits;
        VatRate = vatRate;
        OriginGroups = originGroups;
        Lines = lines;
        _byCode = lines.ToDictionary(l => l.HsCode, StringComparer.Ordinal);
    }

    public string NationalCurrency { get; }

    public int MinorUnits { get; }

    public decimal VatRate { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> OriginGroups { get; }

    public IReadOnlyList<TariffLine> Lines { get; }

    public string RoundingRule =>
        $"customs value in {NationalCurrency}, each line's duty and VAT rounded half away from zero to {MinorUnits} decimal(s); totals are sums of rounded lines";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static Tariff Load(string path)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<TariffFile>(stream, Json) ?? throw new InvalidDataException($"{path} holds no tariff.");
        return new Tariff(file.NationalCurrency, file.CurrencyMinorUnits, file.VatRate,
            file.OriginGroups.ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Value), file.Lines);
    }

    /// <summary>The line whose HS code is the longest prefix of <paramref name="hsCode"/>, or null.</summary>
    public TariffLine? Find(string hsCode)
    {
        for (var length = Math.Min(hsCode.Length, 10); length >= 4; length--)
        {
            if (_byCode.TryGetValue(hsCode[..length], out var line)) return line;
        }
        return null;
    }

    /// <summary>The preferential rates <paramref name="origin"/> qualifies for on <paramref name="line"/>.</summary>
    public IReadOnlyList<PreferentialRate> PreferencesFor(TariffLine line, string origin) =>
        (line.Preferential ?? []).Where(p => OriginGroups.TryGetValue(p.Group, out var members) && members.Contains(origin)).ToList();

    public AssessmentNotice Assess(DeclarationContent content, ExchangeRates rates)
    {
        try
        {
            return AssessChecked(content, rates);
        }
        catch (OverflowException)
        {
            throw new DomainRuleViolation("amount-range", "The declared values are too large to assess; check quantities, masses and values.");
        }
    }

    private AssessmentNotice AssessChecked(DeclarationContent content, ExchangeRates rates)
    {
        var lines = new List<AssessmentLine>();
        foreach (var item in content.Items)
        {
            var line = Find(item.HsCode) ?? throw new DomainRuleViolation("hs-code-in-tariff", $"Item {item.ItemNumber}: HS code {item.HsCode} is not in the tariff.");
            var rate = item.Currency == NationalCurrency ? 1m
                : rates.Find(item.Currency, content.DeclarationDate)?.Rate
                  ?? throw new DomainRuleViolation("exchange-rate", $"No {item.Currency} exchange rate valid on {content.DeclarationDate:yyyy-MM-dd}.");
            var valueNational = Round(item.CustomsValue * rate);
            var (dutyRate, basis) = content.Type switch
            {
                DeclarationType.Export => (line.Export ?? DutyRate.Free, "export duty"),
                DeclarationType.Transit => (DutyRate.Free, "transit: no duty"),
                _ => ChooseImportRate(line, item, valueNational),
            };
            var (duty, dutyText) = Compute(dutyRate, item, valueNational);
            var vatRate = content.Type == DeclarationType.Import ? line.VatRate ?? VatRate : 0m;
            var vat = Round((valueNational + duty) * vatRate);
            var vatText = content.Type == DeclarationType.Import
                ? $"({Fmt(valueNational)} + {Fmt(duty)}) × {vatRate:0.###} = {Fmt(vat)}"
                : $"{content.Type.ToString().ToLowerInvariant()}: no VAT";
            lines.Add(new AssessmentLine(item.ItemNumber, item.HsCode, $"{line.HsCode} {line.Description}", basis, dutyRate.Type, item.CustomsValue, item.Currency, rate,
                valueNational, duty, $"{Fmt(item.CustomsValue)} {item.Currency} × {rate} = {Fmt(valueNational)} {NationalCurrency}; {basis}: {dutyText}",
                vatRate, vat, vatText));
        }
        var totals = new Dictionary<string, decimal> { [DutyTax] = lines.Sum(l => l.Duty), [VatTax] = lines.Sum(l => l.Vat) };
        return new AssessmentNotice(lines, totals, totals.Values.Sum(), NationalCurrency, RoundingRule, content.DeclarationDate);
    }

    private (DutyRate Rate, string Basis) ChooseImportRate(TariffLine line, GoodsItem item, decimal valueNational)
    {
        if (!item.ClaimsPreference) return (line.Import, "general (MFN) import duty");
        var preferences = PreferencesFor(line, item.OriginCountry);
        if (preferences.Count == 0)
            throw new DomainRuleViolation("preference-origin", $"Item {item.ItemNumber}: origin {item.OriginCountry} has no preferential rate on tariff line {line.HsCode}.");
        // The declarant gets the most favourable agreement its origin qualifies for.
        var best = preferences.MinBy(p => Compute(p.Duty, item, valueNational).Duty)!;
        return (best.Duty, $"preferential import duty ({best.Group}, origin {item.OriginCountry})");
    }

    private (decimal Duty, string Text) Compute(DutyRate rate, GoodsItem item, decimal valueNational)
    {
        switch (rate.Type)
        {
            case DutyRate.AdValorem:
            {
                var duty = Round(valueNational * rate.Rate!.Value);
                return (duty, $"{Fmt(valueNational)} × {rate.Rate:0.###} = {Fmt(duty)}");
            }
            case DutyRate.Specific:
            {
                var quantity = QuantityIn(rate.Per!, item);
                var duty = Round(quantity * rate.Amount!.Value);
                return (duty, $"{quantity} {rate.Per} × {Fmt(rate.Amount.Value)} = {Fmt(duty)}");
            }
            case DutyRate.Mixed:
            {
                var adValorem = valueNational * rate.Rate!.Value;
                var text = $"{Fmt(valueNational)} × {rate.Rate:0.###} = {Fmt(Round(adValorem))}";
                var duty = adValorem;
                if (rate.Minimum is { } min && duty < min.Amount * QuantityIn(min.Per, item))
                {
                    duty = min.Amount * QuantityIn(min.Per, item);
                    text += $", below the minimum {QuantityIn(min.Per, item)} {min.Per} × {Fmt(min.Amount)} = {Fmt(Round(duty))}: minimum applies";
                }
                if (rate.Maximum is { } max && duty > max.Amount * QuantityIn(max.Per, item))
                {
                    duty = max.Amount * QuantityIn(max.Per, item);
                    text += $", above the maximum {QuantityIn(max.Per, item)} {max.Per} × {Fmt(max.Amount)} = {Fmt(Round(duty))}: maximum applies";
                }
                return (Round(duty), text);
            }
            default:
                throw new InvalidDataException($"Unknown duty type '{rate.Type}'.");
        }
    }

    /// <summary>The item's quantity in <paramref name="unit"/>: mass units from the net mass, others from the declared quantity in that unit.</summary>
    public static decimal QuantityIn(string unit, GoodsItem item) => unit switch
    {
        "KGM" => item.NetMassKg,
        "TNE" => item.NetMassKg / 1000m,
        _ when item.Unit == unit => item.Quantity,
        _ => throw new DomainRuleViolation("quantity-unit", $"Item {item.ItemNumber}: the tariff needs the quantity in {unit}, but it is declared in {item.Unit}."),
    };

    public decimal Round(decimal amount) => Math.Round(amount, MinorUnits, MidpointRounding.AwayFromZero);

    private string Fmt(decimal amount) => amount.ToString(MinorUnits == 0 && amount == decimal.Truncate(amount) ? "0" : "0.##", System.Globalization.CultureInfo.InvariantCulture);

    private sealed record TariffFile(string NationalCurrency, int CurrencyMinorUnits, decimal VatRate, Dictionary<string, List<string>> OriginGroups, List<TariffLine> Lines);
}

public sealed record ExchangeRate(string Currency, decimal Rate, DateOnly ValidFrom, DateOnly ValidTo);

/// <summary>Rates into the national currency, each valid for a period; a declaration uses the rate valid on its date.</summary>
public sealed class ExchangeRates(IReadOnlyList<ExchangeRate> rates)
{
    public IReadOnlyList<ExchangeRate> All { get; } = rates;

    public static ExchangeRates Load(string path)
    {
        using var stream = File.OpenRead(path);
        return new ExchangeRates(JsonSerializer.Deserialize<List<ExchangeRate>>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? []);
    }

    public ExchangeRate? Find(string currency, DateOnly date) =>
        All.FirstOrDefault(r => r.Currency == currency && r.ValidFrom <= date && date <= r.ValidTo);
}

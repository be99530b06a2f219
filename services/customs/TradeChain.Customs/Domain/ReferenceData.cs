using System.Text.Json;

namespace TradeChain.Customs.Domain;

/// <summary>Code lists declarations are checked against: ISO 3166-1 countries, ISO 4217 currencies, UN/ECE Rec 20 units, Incoterms 2020.</summary>
public sealed class ReferenceData(IReadOnlySet<string> countries, IReadOnlyDictionary<string, int> currencies, IReadOnlySet<string> units)
{
    public static readonly IReadOnlySet<string> Incoterms2020 = new HashSet<string>(["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"]);

    /// <summary>Document types the documents service issues and declarations may attach.</summary>
    public static readonly IReadOnlySet<string> DocumentTypes = new HashSet<string>(
        ["certificate-of-origin", "commercial-invoice", "packing-list", "bill-of-lading", "phytosanitary-certificate"]);

    public IReadOnlySet<string> Countries { get; } = countries;

    /// <summary>Currency code → minor units.</summary>
    public IReadOnlyDictionary<string, int> Currencies { get; } = currencies;

    public IReadOnlySet<string> Units { get; } = units;

    public static ReferenceData Load(string dataDirectory)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        T Read<T>(string file) => JsonSerializer.Deserialize<T>(File.ReadAllText(Path.Combine(dataDirectory, file)), json)
                                  ?? throw new InvalidDataException($"{file} is empty.");
        var countries = Read<List<CodeEntry>>("countries.json").Select(c => c.Code).ToHashSet();
        var currencies = Read<List<CurrencyEntry>>("currencies.json").ToDictionary(c => c.Code, c => c.MinorUnits);
        var units = Read<List<CodeEntry>>("units.json").Select(u => u.Code).ToHashSet();
        return new ReferenceData(countries, currencies, units);
    }

    private sealed record CodeEntry(string Code);

    private sealed record CurrencyEntry(string Code, int MinorUnits);
}

/// <summary>ISO 6346 container numbers: owner code, category, serial and the check digit computed over them.</summary>
public static class ContainerNumber
{
    public static bool IsValid(string? number)
    {
        if (number is not { Length: 11 } || !number[..3].All(char.IsAsciiLetterUpper) || number[3] is not ('U' or 'J' or 'Z')
            || !number[4..].All(char.IsAsciiDigit))
            return false;
        return CheckDigit(number[..10]) == number[10] - '0';
    }

    public static int CheckDigit(string firstTen)
    {
        var sum = 0;
        for (var i = 0; i < 10; i++)
        {
            var c = firstTen[i];
            var value = char.IsAsciiDigit(c) ? c - '0' : LetterValue(c);
            sum += value << i;
        }
        return sum % 11 % 10;
    }

    // A=10 onwards, skipping multiples of 11 (11, 22, 33).
    private static int LetterValue(char c)
    {
        var value = 10 + (c - 'A');
        value += value >= 11 ? 1 : 0;
        value += value >= 22 ? 1 : 0;
        value += value >= 33 ? 1 : 0;
        return value;
    }
}

using System.Text.Json;

namespace TradeChain.Customs.Domain;

/// <summary>A code and what it means to a person, e.g. VN Viet Nam.</summary>
public sealed record CodeName(string Code, string Name);

/// <summary>An ISO 4217 currency with its minor units (decimals a customs value may have).</summary>
public sealed record CurrencyCode(string Code, string Name, int MinorUnits);

/// <summary>A UN/ECE Rec 20 unit and its kind (mass, volume, count…).</summary>
public sealed record UnitCode(string Code, string Name, string Kind);

/// <summary>Code lists declarations are checked against: ISO 3166-1 countries, ISO 4217 currencies, UN/ECE Rec 20 units, Incoterms 2020.</summary>
public sealed class ReferenceData
{
    /// <summary>Incoterms 2020, in the ICC's order (any mode first, then sea and inland waterway).</summary>
    public static readonly IReadOnlyList<CodeName> Incoterms = [
        new("EXW", "Ex Works"), new("FCA", "Free Carrier"), new("CPT", "Carriage Paid To"), new("CIP", "Carriage and Insurance Paid To"),
        new("DAP", "Delivered at Place"), new("DPU", "Delivered at Place Unloaded"), new("DDP", "Delivered Duty Paid"),
        new("FAS", "Free Alongside Ship"), new("FOB", "Free On Board"), new("CFR", "Cost and Freight"), new("CIF", "Cost, Insurance and Freight")];

    public static readonly IReadOnlySet<string> Incoterms2020 = Incoterms.Select(i => i.Code).ToHashSet();

    /// <summary>Document types the documents service issues and declarations may attach.</summary>
    public static readonly IReadOnlySet<string> DocumentTypes = new HashSet<string>(
        ["certificate-of-origin", "commercial-invoice", "packing-list", "bill-of-lading", "phytosanitary-certificate"]);

    /// <summary>UN Rec 19 modes of transport (6, multimodal, is not declared at the border).</summary>
    public static readonly IReadOnlyDictionary<int, string> TransportModes = new SortedDictionary<int, string>
    {
        [1] = "sea", [2] = "rail", [3] = "road", [4] = "air", [5] = "post", [7] = "fixed installation", [8] = "inland waterway", [9] = "own propulsion",
    };

    /// <summary>The six methods of the WTO Customs Valuation Agreement, in the order they must be tried.</summary>
    public static readonly IReadOnlyDictionary<int, string> ValuationMethods = new SortedDictionary<int, string>
    {
        [1] = "transaction value", [2] = "transaction value of identical goods", [3] = "transaction value of similar goods",
        [4] = "deductive value", [5] = "computed value", [6] = "fall-back method",
    };

    public ReferenceData(IReadOnlyList<CodeName> countries, IReadOnlyList<CurrencyCode> currencies, IReadOnlyList<UnitCode> units)
    {
        CountryList = countries;
        CurrencyList = currencies;
        UnitList = units;
        Countries = countries.Select(c => c.Code).ToHashSet();
        Currencies = currencies.ToDictionary(c => c.Code, c => c.MinorUnits);
        Units = units.Select(u => u.Code).ToHashSet();
    }

    /// <summary>Codes without their names (the names then read as the codes).</summary>
    public ReferenceData(IEnumerable<string> countries, IReadOnlyDictionary<string, int> currencies, IEnumerable<string> units)
        : this(countries.Select(c => new CodeName(c, c)).ToList(), currencies.Select(c => new CurrencyCode(c.Key, c.Key, c.Value)).ToList(),
            units.Select(u => new UnitCode(u, u, "")).ToList())
    {
    }

    public IReadOnlySet<string> Countries { get; }

    /// <summary>Currency code → minor units.</summary>
    public IReadOnlyDictionary<string, int> Currencies { get; }

    public IReadOnlySet<string> Units { get; }

    public IReadOnlyList<CodeName> CountryList { get; }

    public IReadOnlyList<CurrencyCode> CurrencyList { get; }

    public IReadOnlyList<UnitCode> UnitList { get; }

    public static ReferenceData Load(string dataDirectory)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        T Read<T>(string file) => JsonSerializer.Deserialize<T>(File.ReadAllText(Path.Combine(dataDirectory, file)), json)
                                  ?? throw new InvalidDataException($"{file} is empty.");
        return new ReferenceData(Read<List<CodeName>>("countries.json"), Read<List<CurrencyCode>>("currencies.json"), Read<List<UnitCode>>("units.json"));
    }
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

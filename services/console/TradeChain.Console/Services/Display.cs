using System.Globalization;

namespace TradeChain.Console.Services;

/// <summary>How amounts, moments and hashes read everywhere in the console, so one record reads the same on every page.</summary>
public static class Display
{
    // ISO 4217 minor units of the currencies trade here; any other shows the digits the API gave.
    private static readonly Dictionary<string, int> MinorUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        ["USD"] = 2, ["EUR"] = 2, ["GBP"] = 2, ["CNY"] = 2, ["SGD"] = 2, ["AUD"] = 2, ["CHF"] = 2, ["THB"] = 2,
        ["JPY"] = 0, ["KRW"] = 0, ["VND"] = 0, ["BHD"] = 3, ["KWD"] = 3, ["OMR"] = 3, ["JOD"] = 3, ["TND"] = 3,
    };

    /// <summary>"12,000.00 USD", "1,250,000 VND": grouped, with the currency's minor digits when known.</summary>
    public static string Money(decimal amount, string? currency) => $"{Amount(amount, currency)} {currency}".TrimEnd();

    /// <summary>
    /// "12,000.00", "1,250,000": the number alone, grouped, with the currency's minor digits when known — for a table whose
    /// currency stands in its own column or heading, so its amounts read as <see cref="Money"/> gives them elsewhere.
    /// </summary>
    public static string Amount(decimal amount, string? currency)
    {
        var digits = currency is not null && MinorUnits.TryGetValue(currency, out var minor) ? minor : amount.Scale;
        return amount.ToString("N" + digits, CultureInfo.InvariantCulture);
    }

    /// <summary>A moment as the services record it (Unix milliseconds), in UTC: every party reads the same time.</summary>
    public static string Time(long unixMs) => Time(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A long hash cut to its ends for a table cell (the full one stays in a title attribute or the detail page).</summary>
    public static string ShortHash(string? hash) => hash is { Length: > 18 } h ? $"{h[..10]}…{h[^6..]}" : hash ?? "";
}

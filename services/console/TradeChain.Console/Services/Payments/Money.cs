using System.Globalization;

namespace TradeChain.Console.Services.Payments;

/// <summary>How amounts and moments read in the payments pages.</summary>
public static class Money
{
    /// <summary>An amount in its currency, grouped, with the cents the settlement token keeps (2 decimals).</summary>
    public static string Format(decimal amount, string currency) => $"{amount.ToString("#,0.00", CultureInfo.InvariantCulture)} {currency}";

    public static string Format(decimal amount) => amount.ToString("#,0.00", CultureInfo.InvariantCulture);

    public static string At(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string At(long? unixMs) => unixMs is { } ms ? At(ms) : "—";

    /// <summary>A long hash cut to its ends for a table cell (the full one stays in the title and the detail page).</summary>
    public static string Short(string? hash) => hash is { Length: > 18 } h ? $"{h[..10]}…{h[^6..]}" : hash ?? "";

    /// <summary>Today at the payments service: its dates (presentation, deadlines, expiry) are UTC calendar dates.</summary>
    public static DateOnly TodayUtc => DateOnly.FromDateTime(DateTime.UtcNow);
}

using System.Globalization;

namespace TradeChain.Console.Services.Payments;

/// <summary>How amounts and moments read in the payments pages.</summary>
public static class Money
{
    public static string Format(decimal amount, string currency) => Display.Money(amount, currency);

    /// <summary>The number alone, in the currency's own way, for a table with a currency column (<see cref="Display.Amount"/>).</summary>
    public static string Amount(decimal amount, string? currency) => Display.Amount(amount, currency);

    public static string At(long unixMs) => Display.Time(unixMs);

    public static string At(long? unixMs) => unixMs is { } ms ? At(ms) : "—";

    public static string Short(string? hash) => Display.ShortHash(hash);

    /// <summary>Today at the payments service: its dates (presentation, deadlines, expiry) are UTC calendar dates.</summary>
    public static DateOnly TodayUtc => DateOnly.FromDateTime(DateTime.UtcNow);
}

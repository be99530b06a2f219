using System.Collections.Frozen;

namespace TradeChain.Payments.Domain.Credits;

/// <summary>
/// Banking days at a place, for UCP 600's date rules: art. 14(b) (examination within five banking days following the
/// day of presentation) and art. 29(a) (an expiry date or last day for presentation that falls on a day the bank is
/// closed is extended to the first following banking day). A banking day is Monday to Friday, except the country's
/// public holidays.
/// </summary>
/// <remarks>
/// The holiday tables below are SAMPLE tables for 2026 and 2027 — plausible, not authoritative. Lunar-calendar and
/// moon-sighting holidays (VN Tết and Hùng Kings, SG Chinese New Year, Hari Raya, Vesak, Deepavali) are approximate,
/// and VN's Tết break follows the usual government bridge days rather than a published decree. A production system
/// must load each year's official bank holiday calendar. For a country without a table, or a date outside 2026–2027,
/// only weekends are non-banking days.
/// </remarks>
public static class BankingCalendar
{
    private static readonly FrozenDictionary<string, FrozenDictionary<DateOnly, string>> Holidays =
        new Dictionary<string, FrozenDictionary<DateOnly, string>>(StringComparer.OrdinalIgnoreCase)
        {
            // Vietnam: weekday closures only (weekends are closed anyway); substitute days where a holiday falls on a weekend.
            ["VN"] = Table(
                (2026, 1, 1, "New Year's Day"),
                (2026, 2, 16, "Tết Nguyên Đán"), (2026, 2, 17, "Tết Nguyên Đán"), (2026, 2, 18, "Tết Nguyên Đán"),
                (2026, 2, 19, "Tết Nguyên Đán"), (2026, 2, 20, "Tết Nguyên Đán"),
                (2026, 4, 27, "Hùng Kings' Commemoration (observed)"),
                (2026, 4, 30, "Reunification Day"), (2026, 5, 1, "International Labour Day"),
                (2026, 9, 1, "National Day"), (2026, 9, 2, "National Day"),
                (2027, 1, 1, "New Year's Day"),
                (2027, 2, 4, "Tết Nguyên Đán"), (2027, 2, 5, "Tết Nguyên Đán"), (2027, 2, 8, "Tết Nguyên Đán"),
                (2027, 2, 9, "Tết Nguyên Đán"), (2027, 2, 10, "Tết Nguyên Đán"),
                (2027, 4, 16, "Hùng Kings' Commemoration"),
                (2027, 4, 30, "Reunification Day"), (2027, 5, 3, "International Labour Day (observed)"),
                (2027, 9, 2, "National Day"), (2027, 9, 3, "National Day")),
            // Germany: nationwide holidays (no substitutes for weekends in Germany).
            ["DE"] = Table(
                (2026, 1, 1, "Neujahr"), (2026, 4, 3, "Karfreitag"), (2026, 4, 6, "Ostermontag"),
                (2026, 5, 1, "Tag der Arbeit"), (2026, 5, 14, "Christi Himmelfahrt"), (2026, 5, 25, "Pfingstmontag"),
                (2026, 10, 3, "Tag der Deutschen Einheit"), (2026, 12, 25, "1. Weihnachtstag"), (2026, 12, 26, "2. Weihnachtstag"),
                (2027, 1, 1, "Neujahr"), (2027, 3, 26, "Karfreitag"), (2027, 3, 29, "Ostermontag"),
                (2027, 5, 1, "Tag der Arbeit"), (2027, 5, 6, "Christi Himmelfahrt"), (2027, 5, 17, "Pfingstmontag"),
                (2027, 10, 3, "Tag der Deutschen Einheit"), (2027, 12, 25, "1. Weihnachtstag"), (2027, 12, 26, "2. Weihnachtstag")),
            // Singapore: a holiday on a Sunday moves to the Monday.
            ["SG"] = Table(
                (2026, 1, 1, "New Year's Day"), (2026, 2, 17, "Chinese New Year"), (2026, 2, 18, "Chinese New Year"),
                (2026, 3, 21, "Hari Raya Puasa"), (2026, 4, 3, "Good Friday"), (2026, 5, 1, "Labour Day"),
                (2026, 5, 27, "Hari Raya Haji"), (2026, 6, 1, "Vesak Day (observed)"), (2026, 8, 10, "National Day (observed)"),
                (2026, 11, 9, "Deepavali (observed)"), (2026, 12, 25, "Christmas Day"),
                (2027, 1, 1, "New Year's Day"), (2027, 2, 8, "Chinese New Year (observed)"),
                (2027, 3, 10, "Hari Raya Puasa"), (2027, 3, 26, "Good Friday"), (2027, 5, 17, "Hari Raya Haji"),
                (2027, 5, 20, "Vesak Day"), (2027, 8, 9, "National Day"), (2027, 10, 28, "Deepavali"), (2027, 12, 25, "Christmas Day")),
            // United States: Federal Reserve holidays (a Sunday holiday moves to Monday; a Saturday one is not observed).
            ["US"] = Table(
                (2026, 1, 1, "New Year's Day"), (2026, 1, 19, "Martin Luther King Jr. Day"), (2026, 2, 16, "Washington's Birthday"),
                (2026, 5, 25, "Memorial Day"), (2026, 6, 19, "Juneteenth"), (2026, 9, 7, "Labor Day"),
                (2026, 10, 12, "Columbus Day"), (2026, 11, 11, "Veterans Day"), (2026, 11, 26, "Thanksgiving Day"),
                (2026, 12, 25, "Christmas Day"),
                (2027, 1, 1, "New Year's Day"), (2027, 1, 18, "Martin Luther King Jr. Day"), (2027, 2, 15, "Washington's Birthday"),
                (2027, 5, 31, "Memorial Day"), (2027, 7, 5, "Independence Day (observed)"), (2027, 9, 6, "Labor Day"),
                (2027, 10, 11, "Columbus Day"), (2027, 11, 11, "Veterans Day"), (2027, 11, 25, "Thanksgiving Day")),
            // United Kingdom: England and Wales bank holidays, with substitute days.
            ["GB"] = Table(
                (2026, 1, 1, "New Year's Day"), (2026, 4, 3, "Good Friday"), (2026, 4, 6, "Easter Monday"),
                (2026, 5, 4, "Early May bank holiday"), (2026, 5, 25, "Spring bank holiday"), (2026, 8, 31, "Summer bank holiday"),
                (2026, 12, 25, "Christmas Day"), (2026, 12, 28, "Boxing Day (substitute day)"),
                (2027, 1, 1, "New Year's Day"), (2027, 3, 26, "Good Friday"), (2027, 3, 29, "Easter Monday"),
                (2027, 5, 3, "Early May bank holiday"), (2027, 5, 31, "Spring bank holiday"), (2027, 8, 30, "Summer bank holiday"),
                (2027, 12, 27, "Christmas Day (substitute day)"), (2027, 12, 28, "Boxing Day (substitute day)")),
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The countries (ISO 3166-1 alpha-2) with a holiday table; any other country has weekends only.</summary>
    public static IReadOnlyCollection<string> Countries => Holidays.Keys;

    /// <summary>The name of the country's public holiday on that date, or null when it is none (weekends are not holidays).</summary>
    public static string? HolidayName(DateOnly date, string country) =>
        Holidays.TryGetValue(Country(country), out var table) && table.TryGetValue(date, out var name) ? name : null;

    /// <summary>Monday to Friday, and not a public holiday in the country.</summary>
    public static bool IsBankingDay(DateOnly date, string country) =>
        date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && HolidayName(date, country) is null;

    /// <summary>The date itself when it is a banking day, otherwise the first banking day after it (UCP 600 art. 29(a)).</summary>
    public static DateOnly NextBankingDay(DateOnly date, string country)
    {
        while (!IsBankingDay(date, country))
            date = date.AddDays(1);
        return date;
    }

    /// <summary>
    /// The <paramref name="days"/>-th banking day following <paramref name="date"/> (the date itself does not count, banking
    /// day or not); zero gives the date back. UCP 600 art. 14(b): the deadline for examination is
    /// <c>AddBankingDays(presentedOn, 5, country)</c>.
    /// </summary>
    public static DateOnly AddBankingDays(DateOnly date, int days, string country)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        for (var counted = 0; counted < days;)
        {
            date = date.AddDays(1);
            if (IsBankingDay(date, country))
                counted++;
        }
        return date;
    }

    private static string Country(string country)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(country);
        return country.Trim();
    }

    private static FrozenDictionary<DateOnly, string> Table(params (int Year, int Month, int Day, string Name)[] days) =>
        days.ToFrozenDictionary(d => new DateOnly(d.Year, d.Month, d.Day), d => d.Name);
}

using System.Collections.Frozen;
using System.Globalization;

namespace TradeChain.Payments.Iso20022;

/// <summary>
/// ISO 20022 <c>ActiveCurrencyAndAmount</c> / <c>ActiveOrHistoricCurrencyAndAmount</c>: an ISO 4217 active
/// currency code and a positive decimal with at most the currency's minor units, written with the invariant
/// culture, a '.' separator, no exponent, no thousands separators, and exactly the minor units
/// (USD 12.5 → "12.50", VND 1500000 → "1500000").
/// </summary>
public static class CurrencyAmount
{
    // ISO 4217 active codes and their minor units (as of 2026; withdrawn codes such as HRK, SLL, ANG, ZWL
    // and BGN are not accepted). Funds codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are included
    // because the standard lists them as active.
    private static readonly FrozenDictionary<string, int> MinorUnitsByCode = BuildTable();

    private static FrozenDictionary<string, int> BuildTable()
    {
        const string zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
        const string three = "BHD IQD JOD KWD LYD OMR TND";
        const string four = "CLF UYW";
        const string two =
            "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
            "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP " +
            "GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK " +
            "LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO " +
            "NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS " +
            "SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST " +
            "XCD XCG YER ZAR ZMW ZWG";
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (codes, units) in new[] { (zero, 0), (two, 2), (three, 3), (four, 4) })
            foreach (var code in codes.Split(' '))
                table.Add(code, units);
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="currency"/> is an active ISO 4217 code (upper case).</summary>
    public static bool IsActive(string? currency) => currency is not null && MinorUnitsByCode.ContainsKey(currency);

    /// <summary>The currency's minor units (USD 2, VND 0, JPY 0, KWD 3); throws for a code that is not ISO 4217.</summary>
    public static int MinorUnits(string currency, string field = "Currency")
    {
        if (currency is null || !MinorUnitsByCode.TryGetValue(currency, out var units))
            throw new ArgumentException($"{field} '{currency}' is not an active ISO 4217 currency code.", field);
        return units;
    }

    /// <summary>
    /// The amount as ISO 20022 writes it. Throws <see cref="ArgumentException"/> naming <paramref name="amountField"/>
    /// for an amount ≤ 0, with more decimals than the currency has, or beyond the XSD's 18 total digits, and
    /// naming <paramref name="currencyField"/> for a currency that is not ISO 4217.
    /// </summary>
    public static string Format(decimal amount, string currency, string amountField = "Amount", string currencyField = "Currency")
    {
        var units = MinorUnits(currency, currencyField);
        if (amount <= 0m)
            throw new ArgumentException($"{amountField} must be positive; was {amount.ToString(CultureInfo.InvariantCulture)}.", amountField);
        if (decimal.Round(amount, units) != amount)
            throw new ArgumentException(
                $"{amountField} {amount.ToString(CultureInfo.InvariantCulture)} has more decimals than {currency} allows ({units}).", amountField);
        var text = amount.ToString("F" + units.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var digits = text.Count(char.IsAsciiDigit);
        if (digits > 18)
            throw new ArgumentException($"{amountField} {text} has {digits} digits; ISO 20022 amounts allow at most 18.", amountField);
        return text;
    }
}

using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace TradeChain.Payments.Iso20022;

/// <summary>
/// Checks of the XSD simple types the generators fill. Every failure is an <see cref="ArgumentException"/>
/// whose <see cref="ArgumentException.ParamName"/> names the field; nothing is truncated or rewritten.
/// </summary>
internal static partial class Iso20022Text
{
    [GeneratedRegex("^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$", RegexOptions.CultureInvariant)]
    private static partial Regex BicPattern();

    [GeneratedRegex("^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$", RegexOptions.CultureInvariant)]
    private static partial Regex IbanPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex TxHashPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex AddressPattern();

    /// <summary>MaxNText: 1 to <paramref name="max"/> characters, not blank.</summary>
    public static string RequireText(string? value, int max, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{field} is required (1 to {max} characters).", field);
        if (value.Length > max)
            throw new ArgumentException($"{field} is {value.Length} characters; ISO 20022 allows at most {max} (Max{max}Text).", field);
        return value;
    }

    public static void RequireBic(string? bic, string field)
    {
        if (bic is null || !BicPattern().IsMatch(bic))
            throw new ArgumentException($"{field} '{bic}' is not a BIC (4 letters or digits, 2-letter country, 2 location characters, optional 3-character branch, upper case).", field);
    }

    public static void RequireIban(string iban, string field)
    {
        if (!IbanPattern().IsMatch(iban) || iban.Length > 34)
            throw new ArgumentException($"{field} '{iban}' is not an IBAN (country, 2 check digits, up to 30 characters).", field);
        // ISO 13616: move the first four characters to the end, letters to numbers, mod 97 must be 1.
        var rearranged = iban[4..] + iban[..4];
        var digits = string.Concat(rearranged.Select(c => char.IsLetter(c) ? (char.ToUpperInvariant(c) - 'A' + 10).ToString(CultureInfo.InvariantCulture) : c.ToString()));
        if (BigInteger.Parse(digits, CultureInfo.InvariantCulture) % 97 != 1)
            throw new ArgumentException($"{field} '{iban}' fails the IBAN check digits (mod 97).", field);
    }

    public static void RequireTxHash(string? hash, string field)
    {
        if (hash is null || !TxHashPattern().IsMatch(hash))
            throw new ArgumentException($"{field} '{hash}' is not a transaction hash (0x and 64 hex digits).", field);
    }

    public static byte[] RequireChainAddress(string? address, string field)
    {
        if (address is null || !AddressPattern().IsMatch(address))
            throw new ArgumentException($"{field} '{address}' is not a chain address (0x and 40 hex digits).", field);
        return Convert.FromHexString(address.AsSpan(2));
    }

    /// <summary>UUIDv4Identifier: lower-case, version 4, RFC 4122 variant.</summary>
    public static string RequireUuidV4(Guid uuid, string field)
    {
        var text = uuid.ToString("D");
        // Version nibble is the first of the third group; the variant is the first of the fourth group.
        if (text[14] != '4' || "89ab".IndexOf(text[19], StringComparison.Ordinal) < 0)
            throw new ArgumentException($"{field} '{text}' is not a version-4 UUID.", field);
        return text;
    }

    /// <summary>ISODateTime as ISO 8601 with its UTC offset, to the millisecond.</summary>
    public static string DateTime(DateTimeOffset at) =>
        at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    /// <summary>ISODate.</summary>
    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Splits a chain transaction hash into Max35Text pieces whose concatenation is the hash:
    /// "0x" + the first 32 hex digits (34 characters), then the last 32.
    /// </summary>
    public static (string First, string Second) SplitTxHash(string hash) => (hash[..34], hash[34..]);
}

/// <summary>RFC 4648 base32 without padding (A–Z, 2–7), used for TCHAIN account ids.</summary>
internal static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[(data.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, n = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
                buffer &= (1 << bits) - 1;
            }
        }
        if (bits > 0) chars[n++] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars, 0, n);
    }

    public static byte[]? Decode(string? text)
    {
        if (text is null) return null;
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            var v = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (v < 0) return null;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)((buffer >> (bits - 8)) & 0xFF));
                bits -= 8;
                buffer &= (1 << bits) - 1;
            }
        }
        // Leftover bits must be padding zeros, fewer than one base32 character.
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) return null;
        return [.. bytes];
    }
}

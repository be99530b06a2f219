namespace TradeChain.Domain.Hashing;

/// <summary>0x-prefixed lower-case hex, the form hashes take in our APIs and on chain.</summary>
public static class Hex
{
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        return Convert.FromHexString(digits);
    }

    /// <summary>True when <paramref name="hex"/> is a 0x-prefixed 32-byte hash.</summary>
    public static bool IsHash32(string? hex) =>
        hex is { Length: 66 } && hex.StartsWith("0x", StringComparison.Ordinal) &&
        hex.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF") == false;
}

using System.Buffers;
using System.Globalization;
using System.Text;

namespace TradeChain.Domain.Hashing;

/// <summary>JSON text exactly as JavaScript's JSON.stringify writes it, so hashes over JSON can be rebuilt in any language.</summary>
public static class JsJson
{
    /// <summary>The characters JSON.stringify may escape: control characters, the quote, the backslash and surrogates (lone ones only).</summary>
    private static readonly SearchValues<char> MaybeEscaped = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Select(c => (char)c)) + "\"\\" + string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c)));

    /// <summary>False when <paramref name="s"/> is written between quotes exactly as it is (no character to escape, no surrogate).</summary>
    public static bool NeedsEscaping(ReadOnlySpan<char> s) => s.ContainsAny(MaybeEscaped);

    /// <summary>A string literal: only the quote, the backslash, control characters and lone surrogates are escaped.</summary>
    public static string String(string s)
    {
        if (!NeedsEscaping(s)) return string.Concat("\"", s, "\"");
        var b = new StringBuilder(s.Length + 2).Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\b': b.Append("\\b"); break;
                case '\f': b.Append("\\f"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (c < 0x20) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) b.Append(c).Append(s[++i]);
                    else if (char.IsSurrogate(c)) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }
        return b.Append('"').ToString();
    }
}

using System.Text;

namespace TradeChain.Domain.Hashing;

/// <summary>
/// A text built in a reused buffer and hashed as UTF-8 with Keccak-256: the hash of JSON text without allocating the
/// text or its bytes (OpenAttestation hashes a small JSON text per field). <see cref="Rent"/> one, append, take
/// <see cref="HashHex"/> (which gives it back); one per thread is kept.
/// </summary>
public sealed class KeccakText
{
    [ThreadStatic] private static KeccakText? t_cached;

    private char[] _chars = new char[512];
    private byte[] _bytes = new byte[1536];

    public int Length { get; private set; }

    /// <summary>An empty text: this thread's cached one when it is free.</summary>
    public static KeccakText Rent()
    {
        var text = t_cached ?? new KeccakText();
        t_cached = null;
        text.Length = 0;
        return text;
    }

    public KeccakText Append(char c)
    {
        if (Length == _chars.Length) Grow(1);
        _chars[Length++] = c;
        return this;
    }

    public KeccakText Append(ReadOnlySpan<char> s)
    {
        if (Length + s.Length > _chars.Length) Grow(s.Length);
        s.CopyTo(_chars.AsSpan(Length));
        Length += s.Length;
        return this;
    }

    /// <summary>Appends <paramref name="s"/> as JSON.stringify writes a string (<see cref="JsJson.String"/>), quotes included.</summary>
    public KeccakText AppendJsString(string s) => Append('"').AppendJsEscaped(s).Append('"');

    /// <summary>Appends the inside of <paramref name="s"/>'s JSON.stringify string literal, without the quotes.</summary>
    public KeccakText AppendJsEscaped(string s)
    {
        if (!JsJson.NeedsEscaping(s)) return Append(s);
        var literal = JsJson.String(s);
        return Append(literal.AsSpan(1, literal.Length - 2));
    }

    /// <summary>Cuts the text back to <paramref name="length"/> characters.</summary>
    public void Truncate(int length) => Length = length;

    /// <summary>The Keccak-256 of the text's UTF-8 bytes, lower-case hex without 0x; the text is given back for reuse.</summary>
    public string HashHex()
    {
        var chars = _chars.AsSpan(0, Length);
        var max = Encoding.UTF8.GetMaxByteCount(Length);
        if (max > _bytes.Length) _bytes = new byte[Math.Max(max, _bytes.Length * 2)];
        var count = Encoding.UTF8.GetBytes(chars, _bytes);
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(_bytes.AsSpan(0, count), hash);
        t_cached = this;
        return Convert.ToHexStringLower(hash);
    }

    private void Grow(int more) => Array.Resize(ref _chars, Math.Max(_chars.Length * 2, Length + more));
}

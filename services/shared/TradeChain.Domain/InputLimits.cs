namespace TradeChain.Domain;

/// <summary>
/// The bounds every service applies to what a client sends, stated once (documented in docs/input-limits.md; the
/// OpenAPI documents show them as maxLength and maxItems). A field with a tighter rule of its own (a 35-character ISO
/// 20022 reference, a 2-letter country) keeps it; these are the ceilings nothing may pass.
/// </summary>
public static class InputLimits
{
    /// <summary>A party identifier (EXP-ACME, BNK-VCB): what tokens, chain accounts and mandates name.</summary>
    public const int Party = 64;

    /// <summary>A reference (ISO 20022 Max35Text): local reference numbers, booking references, trader identifiers.</summary>
    public const int Reference = 35;

    /// <summary>A name of a person or company (ISO 20022 Max140Text), a vessel or voyage.</summary>
    public const int Name = 140;

    /// <summary>A reason given for a step (a rejection, a revocation, an amendment).</summary>
    public const int Reason = 500;

    /// <summary>Free text: a goods description, an officer's findings.</summary>
    public const int Text = 2000;

    /// <summary>The largest request body a service reads, in bytes.</summary>
    public const int BodyBytes = 2 * 1024 * 1024;
}

/// <summary>
/// The rules every text a client sends must keep: at most its bound, valid Unicode (no lone UTF-16 surrogate), and no
/// control characters — a name or reference holds none at all (a CR/LF would forge lines in logs, CSV exports and
/// ISO 20022 messages); free text may hold line breaks and tabs.
/// </summary>
public static class TextRules
{
    /// <summary>The rule <paramref name="value"/> breaks, in words, or null when it keeps them all. Null and empty values are the caller's to judge.</summary>
    /// <param name="multiline">Free text: line feeds, carriage returns and tabs are allowed.</param>
    public static string? Problem(string? value, int maxLength, bool multiline = false)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (value.Length > maxLength) return $"must be at most {maxLength} characters (it has {value.Length})";
        if (!IsValidUnicode(value)) return "must be valid Unicode (it holds a lone UTF-16 surrogate)";
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
                return $"must not contain control characters{(multiline ? " other than line breaks and tabs" : " (no line breaks)")}: U+{(int)c:X4} at position {i}";
        }
        return null;
    }

    /// <summary>Whether <paramref name="value"/> is valid Unicode: no lone UTF-16 surrogate.</summary>
    public static bool IsValidUnicode(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
            else if (char.IsSurrogate(value[i])) return false;
        }
        return true;
    }
}

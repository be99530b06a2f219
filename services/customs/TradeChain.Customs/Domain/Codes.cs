namespace TradeChain.Customs.Domain;

/// <summary>Strict parsing of code words: a defined name, case-insensitive — never a number or a comma-separated combination.</summary>
public static class Codes
{
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var name = Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        return name is not null && Enum.TryParse(name, out value);
    }
}

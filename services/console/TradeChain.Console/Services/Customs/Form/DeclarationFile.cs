using System.Text.Json;

namespace TradeChain.Console.Services.Customs.Form;

/// <summary>A declaration uploaded as a JSON file in the API's (WCO-shaped) request format.</summary>
public static class DeclarationFile
{
    /// <summary>Far above a 999-item declaration's size; a bigger upload is refused before it is read.</summary>
    public const long MaxBytes = 1024 * 1024;

    /// <summary>The file read as a declaration, or why it cannot be (with where in the file, as the JSON reader says).</summary>
    public static (DeclarationRequest? Request, string? Error) Parse(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object) return (null, "The file is JSON but not a declaration: it must be one JSON object.");
            var request = json.RootElement.Deserialize<DeclarationRequest>(ServiceApi.Json);
            return request is null ? (null, "The file holds no declaration.") : (request, null);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } path ? $" at {path}" : e.LineNumber is { } line ? $" on line {line + 1}" : "";
            return (null, $"The file cannot be read as a declaration{where}: {FirstSentence(e.Message)}");
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}

using System.Text.Json;

namespace TradeChain.Console.Services;

/// <summary>An API's refusal as RFC 9457 problem details: status, title, detail, the domain rule that refused, and errors per field path.</summary>
/// <param name="Body">The problem as the API answered it, for its other members (e.g. the <c>transaction</c> a party is asked to sign); null when it was not JSON.</param>
public sealed record ApiProblem(int Status, string Title, string? Detail, string? Rule, IReadOnlyDictionary<string, string[]> Errors,
    System.Text.Json.Nodes.JsonObject? Body = null)
{
    /// <summary>The errors for one field path (e.g. "items[0].netMassKg"), case-insensitive; empty when none.</summary>
    public IReadOnlyList<string> For(string field) =>
        Errors.FirstOrDefault(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    /// <summary>One line for a person: the detail when given, else the title.</summary>
    public string Message => string.IsNullOrWhiteSpace(Detail) ? Title : Detail!;

    internal static ApiProblem Parse(int status, string? body, string fallbackTitle)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                var root = json.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
                    if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                        foreach (var field in e.EnumerateObject())
                            errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                                ? field.Value.EnumerateArray().Select(v => v.ToString()).ToArray()
                                : [field.Value.ToString()];
                    return new ApiProblem(status, Text(root, "title") ?? fallbackTitle, Text(root, "detail"), Text(root, "rule"), errors,
                        System.Text.Json.Nodes.JsonNode.Parse(body) as System.Text.Json.Nodes.JsonObject);
                }
            }
            catch (JsonException) { }
        }
        return new ApiProblem(status, fallbackTitle, body is { Length: > 0 and < 500 } ? body : null, null, new Dictionary<string, string[]>());
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>What an API call gave: a value, or the problem that refused it. Pages show the problem; they never throw it at the user.</summary>
public sealed record ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Ok => Problem is null;

    /// <summary>
    /// The service answered with a record made before under the same reference (<c>Idempotent-Replayed: true</c>: a deposit or
    /// withdrawal asked again): nothing was done again.
    /// </summary>
    public bool Replayed { get; init; }

    public static ApiResult<T> Success(T value) => new(value, null);

    public static ApiResult<T> Failure(ApiProblem problem) => new(default, problem);
}

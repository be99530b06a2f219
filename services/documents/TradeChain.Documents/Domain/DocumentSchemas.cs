using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using TradeChain.Domain;

namespace TradeChain.Documents.Domain;

/// <summary>One problem with a submitted document's content: the dotted field path and the rule it breaks.</summary>
public sealed record SchemaError(string Field, string Rule);

/// <summary>
/// The JSON Schemas (draft 2020-12, shipped in Schemas/*.schema.json and served at /documents/schemas/{type}) of the
/// document types TradeChain issues. Unknown fields are refused, so a misspelled field is named rather than ignored.
/// </summary>
public static partial class DocumentSchemas
{
    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private static readonly FrozenDictionary<string, (JsonSchema Schema, string Text)> Schemas = Load();

    public static IReadOnlyCollection<string> Types => Schemas.Keys;

    public static bool IsKnown(string? type) => type is not null && Schemas.ContainsKey(type);

    /// <summary>The schema's JSON text, or null for an unknown type.</summary>
    public static string? Text(string type) => Schemas.TryGetValue(type, out var s) ? s.Text : null;

    /// <summary>Every error in <paramref name="content"/> against the schema of <paramref name="type"/>, fields prefixed with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<SchemaError> Validate(string type, JsonObject content, string prefix = "content")
    {
        // The bounds first: the schema evaluator reads every string, and a lone surrogate cannot be read as one.
        var unbounded = Bounds(content, prefix).Take(MaxErrors).ToList();
        if (unbounded.Count > 0) return unbounded;
        var (schema, _) = Schemas[type];
        using var document = JsonDocument.Parse(content.ToJsonString());
        var results = schema.Evaluate(document.RootElement, Options);
        if (results.IsValid) return [];
        var errors = new List<SchemaError>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null) continue;
            var field = FieldOf(prefix, detail.InstanceLocation.ToString());
            var keyword = detail.EvaluationPath.ToString().Split('/').LastOrDefault(s => s.Length > 0) ?? "";
            foreach (var (errorKeyword, message) in detail.Errors)
            {
                if (errorKeyword == "required")
                {
                    foreach (Match m in QuotedName().Matches(message)) errors.Add(new SchemaError($"{field}.{m.Groups[1].Value}", $"is required for a {type}"));
                }
                else if (errorKeyword == "false" || keyword == "additionalProperties")
                {
                    errors.Add(new SchemaError(field, $"is not a field of a {type} (see /documents/schemas/{type})"));
                }
                else
                {
                    errors.Add(new SchemaError(field, Describe(errorKeyword, message)));
                }
            }
        }
        if (errors.Count == 0) errors.Add(new SchemaError(prefix, $"does not match the {type} schema"));
        return errors.DistinctBy(e => (e.Field, e.Rule)).ToList();
    }

    /// <summary>The most fields one answer names (a body of ten thousand bad values gets the first of them).</summary>
    public const int MaxErrors = 50;

    /// <summary>The most elements any array of a document's content may hold (line items, packages, containers).</summary>
    public const int MaxArrayItems = 999;

    /// <summary>
    /// What every document type's content keeps, whatever its schema says: each text at most <see cref="InputLimits.Text"/>
    /// characters of valid Unicode without control characters other than line breaks and tabs, each key a short valid
    /// name, each array at most <see cref="MaxArrayItems"/> elements.
    /// </summary>
    private static IEnumerable<SchemaError> Bounds(JsonNode? node, string field)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (TextRules.Problem(key, MaxKeyLength) is { } badKey) { yield return new SchemaError(field, $"has a key that {badKey}"); continue; }
                    foreach (var e in Bounds(child, $"{field}.{key}")) yield return e;
                }
                break;
            case JsonArray a:
                if (a.Count > MaxArrayItems) { yield return new SchemaError(field, $"must have at most {MaxArrayItems} elements"); break; }
                for (var i = 0; i < a.Count; i++)
                    foreach (var e in Bounds(a[i], $"{field}.{i}")) yield return e;
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                if (TextRules.Problem(StringOf(v), InputLimits.Text, multiline: true) is { } rule) yield return new SchemaError(field, rule);
                break;
        }
    }

    private const int MaxKeyLength = 100;

    /// <summary>The string of <paramref name="value"/>; one that cannot be read as UTF-16 text reads as a lone surrogate, which the rules refuse.</summary>
    private static string StringOf(JsonValue value)
    {
        try
        {
            return value.GetValue<string>();
        }
        catch (InvalidOperationException)
        {
            return "\uD800";
        }
    }

    private static string Describe(string keyword, string message) => keyword switch
    {
        "pattern" => $"has the wrong form ({message})",
        "format" => $"has the wrong format ({message})",
        "type" => $"has the wrong type ({message})",
        "enum" => $"is not one of the allowed values ({message})",
        _ => $"breaks the {keyword} rule ({message})",
    };

    private static string FieldOf(string prefix, string pointer) =>
        pointer.Length == 0 ? prefix : prefix + "." + string.Join('.', pointer.TrimStart('/').Split('/').Select(p => p.Replace("~1", "/").Replace("~0", "~")));

    private static FrozenDictionary<string, (JsonSchema, string)> Load()
    {
        var assembly = typeof(DocumentSchemas).Assembly;
        var result = new Dictionary<string, (JsonSchema, string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("schemas/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var text = new StreamReader(stream).ReadToEnd();
            var type = name["schemas/".Length..^".schema.json".Length];
            result[type] = (JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() }), text);
        }
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex QuotedName();
}

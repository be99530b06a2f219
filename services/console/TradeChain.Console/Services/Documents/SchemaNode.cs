using System.Globalization;
using System.Text.Json.Nodes;

namespace TradeChain.Console.Services.Documents;

/// <summary>What kind of input a schema node becomes.</summary>
public enum SchemaKind { Object, Array, Text, Number, Integer, Date, Choice, Boolean }

/// <summary>
/// One node of a document type's JSON Schema (draft 2020-12), resolved into what a form needs: its kind, label, hint
/// and bounds. Only the keywords TradeChain's schemas use are understood (type, properties, required, items, $ref into
/// $defs, enum, format date, min/maxLength, pattern, minimum/maximum and their exclusive forms, min/maxItems, title,
/// description); anything else is left to the API, which validates every submission against the full schema.
/// </summary>
public sealed class SchemaNode
{
    /// <summary>Bound for strings whose schema sets none: the API refuses what it must, the input still has a limit.</summary>
    public const int DefaultMaxLength = 2000;

    private SchemaNode(string name, SchemaKind kind) { Name = name; Kind = kind; }

    /// <summary>The property name ("" for the root and for array items).</summary>
    public string Name { get; }

    public SchemaKind Kind { get; }

    public string Label { get; private init; } = "";

    public string? Description { get; private init; }

    /// <summary>Whether the enclosing object requires this property.</summary>
    public bool Required { get; private init; }

    public int? MinLength { get; private init; }

    public int? MaxLength { get; private init; }

    public string? Pattern { get; private init; }

    public decimal? Minimum { get; private init; }

    public decimal? Maximum { get; private init; }

    public decimal? ExclusiveMinimum { get; private init; }

    public decimal? ExclusiveMaximum { get; private init; }

    public int? MinItems { get; private init; }

    public int? MaxItems { get; private init; }

    public IReadOnlyList<string> Choices { get; private init; } = [];

    /// <summary>An object's properties, in the schema's order.</summary>
    public IReadOnlyList<SchemaNode> Properties { get; private init; } = [];

    /// <summary>An array's item schema.</summary>
    public SchemaNode? Items { get; private init; }

    /// <summary>The longest text the input accepts: the schema's maxLength, else the longest the pattern can match, else a default.</summary>
    public int InputMaxLength => MaxLength ?? SchemaPattern.MaxLength(Pattern) ?? DefaultMaxLength;

    /// <summary>The label of one array row: "Line items" → "Line item 3".</summary>
    public string RowLabel(int index) => DocumentLabels.RowLabel(Label, index);

    /// <summary>The API's bounds in words, for the hint under the input ("up to 35 characters", "more than 0").</summary>
    public string? Bounds
    {
        get
        {
            var parts = new List<string>();
            switch (Kind)
            {
                case SchemaKind.Text when MaxLength is { } max:
                    parts.Add(MinLength is > 0 and var min ? $"{min} to {max} characters" : $"up to {max} characters");
                    break;
                case SchemaKind.Number or SchemaKind.Integer:
                    if (Kind == SchemaKind.Integer) parts.Add("a whole number");
                    if (ExclusiveMinimum is { } emin) parts.Add($"more than {Number(emin)}");
                    if (Minimum is { } min2) parts.Add($"at least {Number(min2)}");
                    if (ExclusiveMaximum is { } emax) parts.Add($"less than {Number(emax)}");
                    if (Maximum is { } max2) parts.Add($"at most {Number(max2)}");
                    break;
                case SchemaKind.Date:
                    parts.Add("a date (YYYY-MM-DD)");
                    break;
                case SchemaKind.Array when MaxItems is { } items:
                    parts.Add($"up to {items} rows");
                    break;
            }
            return parts.Count == 0 ? null : string.Join(", ", parts);
        }
    }

    private static string Number(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a document type's schema (the text of GET /documents/schemas/{type}).</summary>
    public static SchemaNode Parse(JsonNode schema)
    {
        var root = schema as JsonObject ?? throw new FormatException("A document schema is a JSON object.");
        return Read(root, root, "", required: true, depth: 0);
    }

    private static SchemaNode Read(JsonObject root, JsonObject node, string name, bool required, int depth)
    {
        if (depth > 16) throw new FormatException("The schema nests deeper than a form can show.");
        var resolved = Resolve(root, node);
        var type = resolved["type"] switch
        {
            JsonValue v => v.GetValue<string>(),
            // ["string","null"] and the like: the form offers the non-null type and leaves the field empty for null.
            JsonArray a => a.Select(t => t?.GetValue<string>()).FirstOrDefault(t => t is not null and not "null"),
            _ => resolved["properties"] is not null ? "object" : resolved["enum"] is not null ? "string" : null,
        };
        var choices = (resolved["enum"] as JsonArray)?.Select(c => c?.ToString() ?? "").ToList() ?? [];
        var kind = type switch
        {
            "object" => SchemaKind.Object,
            "array" => SchemaKind.Array,
            "number" => SchemaKind.Number,
            "integer" => SchemaKind.Integer,
            "boolean" => SchemaKind.Boolean,
            _ when choices.Count > 0 => SchemaKind.Choice,
            _ when Text(resolved, "format") == "date" => SchemaKind.Date,
            _ => SchemaKind.Text,
        };
        var requiredNames = (resolved["required"] as JsonArray)?.Select(r => r?.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        return new SchemaNode(name, kind)
        {
            // A property's own title or description wins over the one of the definition it refers to.
            Label = Text(node, "title") ?? Text(resolved, "title") ?? (name.Length == 0 ? "" : DocumentLabels.FieldLabel(name)),
            Description = Text(node, "description") ?? Text(resolved, "description"),
            Required = required,
            MinLength = Int(resolved, "minLength"),
            MaxLength = Int(resolved, "maxLength"),
            Pattern = Text(resolved, "pattern"),
            Minimum = Decimal(resolved, "minimum"),
            Maximum = Decimal(resolved, "maximum"),
            ExclusiveMinimum = Decimal(resolved, "exclusiveMinimum"),
            ExclusiveMaximum = Decimal(resolved, "exclusiveMaximum"),
            MinItems = Int(resolved, "minItems"),
            MaxItems = Int(resolved, "maxItems"),
            Choices = choices,
            Properties = kind == SchemaKind.Object && resolved["properties"] is JsonObject properties
                ? properties.Where(p => p.Value is JsonObject)
                    .Select(p => Read(root, (JsonObject)p.Value!, p.Key, requiredNames.Contains(p.Key), depth + 1)).ToList()
                : [],
            Items = kind == SchemaKind.Array && resolved["items"] is JsonObject items ? Read(root, items, "", required: true, depth + 1) : null,
        };
    }

    /// <summary>Follows "$ref": "#/$defs/name" (and #/definitions/name) within the same schema.</summary>
    private static JsonObject Resolve(JsonObject root, JsonObject node)
    {
        for (var hops = 0; Text(node, "$ref") is { } reference; hops++)
        {
            if (hops > 16 || !reference.StartsWith("#/", StringComparison.Ordinal))
                throw new FormatException($"The schema refers to {reference}, which a form cannot follow.");
            JsonNode? target = root;
            foreach (var segment in reference[2..].Split('/'))
                target = target?[segment.Replace("~1", "/").Replace("~0", "~")];
            node = target as JsonObject ?? throw new FormatException($"The schema refers to {reference}, which it does not define.");
        }
        return node;
    }

    private static string? Text(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

    private static decimal? Decimal(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<decimal>(out var d) ? d : null;
}

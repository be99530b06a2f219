using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TradeChain.Console.Services.Verify;

/// <summary>
/// One field of a document laid out for a person: its label (from the type's JSON Schema where it gives one), its value
/// or its parts, or the mark that selective disclosure hid it.
/// </summary>
public sealed class DocumentField
{
    public required string Path { get; init; }

    public required string Label { get; init; }

    public string? Value { get; set; }

    public bool Hidden { get; set; }

    /// <summary>True for a list (its parts are its items, labelled 1, 2, 3…).</summary>
    public bool IsList { get; set; }

    public List<DocumentField> Parts { get; } = [];

    public bool IsGroup => Parts.Count > 0 || IsList;
}

/// <summary>
/// Lays out a document's data (salts already removed) by its type's JSON Schema: labels from the schema's "title"
/// where present, otherwise from the field's name ("billOfLadingNumber" → "Bill of lading number"), schema order
/// first. OpenAttestation's own parts ($template, issuers) are left to the caller. Hidden fields are placed where
/// they would be, marked hidden.
/// </summary>
public static class DocumentLayout
{
    private static readonly HashSet<string> Envelope = ["$template", "issuers"];

    /// <summary>Words written in capitals in trade documents.</summary>
    private static readonly Dictionary<string, string> Acronyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hs"] = "HS", ["id"] = "ID", ["un"] = "UN", ["eori"] = "EORI", ["iso"] = "ISO", ["lc"] = "L/C", ["bl"] = "B/L", ["vat"] = "VAT",
    };

    private static readonly Dictionary<string, string> Units = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kg"] = "(kg)", ["m3"] = "(m³)", ["usd"] = "(USD)", ["pct"] = "(%)", ["percent"] = "(%)",
    };

    public static string? Title(JsonObject? schema) => schema?["title"]?.ToString();

    public static IReadOnlyList<DocumentField> Fields(JsonNode? data, JsonObject? schema, IEnumerable<string>? hiddenPaths = null)
    {
        var hidden = (hiddenPaths ?? []).Where(p => !Envelope.Contains(p.Split('.')[0])).ToHashSet(StringComparer.Ordinal);
        // The hidden fields are put back where they were (empty), so they are laid out in the schema's order like the rest.
        var shown = data?.DeepClone() as JsonObject ?? [];
        foreach (var path in hidden) Reserve(shown, path.Split('.'));
        var root = new DocumentField { Path = "", Label = "" };
        Fill(root, shown, schema, schema, hidden);
        return root.Parts;
    }

    private static void Reserve(JsonNode container, string[] segments)
    {
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            JsonNode? Make() => last ? null : int.TryParse(segments[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? new JsonArray() : new JsonObject();
            if (container is JsonArray array && int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                while (array.Count <= index) array.Add(Make());
                if (last || array[index] is null) array[index] = Make();
                if (last) return;
                container = array[index]!;
            }
            else if (container is JsonObject obj)
            {
                if (last) { obj[segments[i]] = null; return; }
                if (obj[segments[i]] is not (JsonObject or JsonArray)) obj[segments[i]] = Make();
                container = obj[segments[i]]!;
            }
            else return;
        }
    }

    private static void Fill(DocumentField parent, JsonObject data, JsonObject? schema, JsonObject? root, IReadOnlySet<string> hidden)
    {
        var properties = Resolve(schema, root)?["properties"] as JsonObject;
        var order = properties?.Select(p => p.Key).ToList() ?? [];
        var keys = data.Select(p => p.Key).Where(k => parent.Path.Length > 0 || !Envelope.Contains(k))
            .OrderBy(k => order.IndexOf(k) is var i && i < 0 ? int.MaxValue : i).ToList();
        foreach (var key in keys)
            parent.Parts.Add(Field(Join(parent.Path, key), key, data[key], properties?[key] as JsonObject, root, hidden));
    }

    private static DocumentField Field(string path, string key, JsonNode? value, JsonObject? schema, JsonObject? root, IReadOnlySet<string> hidden)
    {
        var resolved = Resolve(schema, root);
        var field = new DocumentField { Path = path, Label = resolved?["title"]?.ToString() ?? schema?["title"]?.ToString() ?? Humanise(key) };
        if (hidden.Contains(path))
        {
            field.Hidden = true;
            return field;
        }
        switch (value)
        {
            case JsonObject o:
                Fill(field, o, resolved, root, hidden);
                break;
            case JsonArray a:
                field.IsList = true;
                var items = resolved?["items"] as JsonObject;
                for (var i = 0; i < a.Count; i++)
                    field.Parts.Add(Field(Join(path, i.ToString(CultureInfo.InvariantCulture)), (i + 1).ToString(CultureInfo.InvariantCulture), a[i], items, root, hidden));
                break;
            default:
                field.Value = Text(value);
                break;
        }
        return field;
    }

    private static JsonObject? Resolve(JsonObject? schema, JsonObject? root)
    {
        for (var hops = 0; hops < 8 && schema?["$ref"]?.ToString() is { } reference && reference.StartsWith("#/", StringComparison.Ordinal); hops++)
        {
            JsonNode? target = root;
            foreach (var part in reference[2..].Split('/')) target = target?[part.Replace("~1", "/").Replace("~0", "~")];
            schema = target as JsonObject;
        }
        return schema;
    }

    private static string Text(JsonNode? value) => value switch
    {
        null => "—",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "yes",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "no",
        _ => value.ToJsonString(),
    };

    /// <summary>"grossMassKg" → "Gross mass (kg)", "hsCode" → "HS code".</summary>
    public static string Humanise(string key)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            var boundary = c is '_' or '-' or ' ' || (char.IsUpper(c) && i > 0 && (char.IsLower(key[i - 1]) || (i + 1 < key.Length && char.IsLower(key[i + 1]))));
            if (boundary && word.Length > 0) { words.Add(word.ToString()); word.Clear(); }
            if (c is not ('_' or '-' or ' ')) word.Append(c);
        }
        if (word.Length > 0) words.Add(word.ToString());
        var shown = words.Select((w, i) => Acronyms.TryGetValue(w, out var a) ? a
            : i == words.Count - 1 && i > 0 && Units.TryGetValue(w, out var u) ? u
            : i == 0 ? char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant() : w.ToLowerInvariant());
        return string.Join(' ', shown);
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";
}

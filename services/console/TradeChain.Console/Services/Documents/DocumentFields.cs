using System.Text.Json.Nodes;

namespace TradeChain.Console.Services.Documents;

/// <summary>A field of an issued document's content, by its dotted path (array rows as indices, as OpenAttestation flattens data).</summary>
public sealed record ContentField(string Path, string Label, int Depth, bool IsGroup);

/// <summary>The fields of a document's content: for reading it, and for choosing what a disclosure copy hides.</summary>
public static class DocumentFields
{
    /// <summary>What OpenAttestation adds around the issuer's fields (the template and the issuers), which verifiers need and no one hides.</summary>
    public static bool IsEnvelope(string key) => key == "issuers" || key.StartsWith('$');

    /// <summary>Every field, group first then what it holds, in the document's order.</summary>
    public static IReadOnlyList<ContentField> Of(JsonNode? content)
    {
        var fields = new List<ContentField>();
        // label: the node's full label ("" for the root); own: its last part, which names an array's rows ("Line items" → "Line item 2").
        void Walk(JsonNode? node, string path, string label, string own, int depth)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        if (depth == 0 && IsEnvelope(key)) continue;
                        var name = DocumentLabels.FieldLabel(key);
                        Add(value, JoinPath(path, key), JoinLabel(label, name), name, depth);
                    }
                    break;
                case JsonArray a:
                    var parent = label.Length > own.Length ? label[..^(own.Length + Separator.Length)] : "";
                    for (var i = 0; i < a.Count; i++)
                    {
                        var row = DocumentLabels.RowLabel(own, i);
                        Add(a[i], JoinPath(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), JoinLabel(parent, row), row, depth);
                    }
                    break;
            }
            void Add(JsonNode? value, string childPath, string childLabel, string childOwn, int childDepth)
            {
                var group = value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 };
                fields.Add(new ContentField(childPath, childLabel, childDepth, group));
                if (group) Walk(value, childPath, childLabel, childOwn, childDepth + 1);
            }
        }
        Walk(content, "", "", "", 0);
        return fields;
    }

    private const string Separator = " › ";

    private static string JoinPath(string parent, string child) => parent.Length == 0 ? child : $"{parent}.{child}";

    private static string JoinLabel(string parent, string child) => parent.Length == 0 ? child : $"{parent}{Separator}{child}";

    /// <summary>The paths to send as "hide": each chosen path once, without those already hidden with a chosen group.</summary>
    public static IReadOnlyList<string> ToHide(IEnumerable<string> chosen)
    {
        var set = chosen.ToHashSet(StringComparer.Ordinal);
        return set.Where(p => !set.Any(g => p.StartsWith(g + ".", StringComparison.Ordinal))).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether <paramref name="path"/> lies within one of the <paramref name="chosen"/> groups.</summary>
    public static bool IsUnder(string path, IReadOnlySet<string> chosen) =>
        chosen.Any(g => path.StartsWith(g + ".", StringComparison.Ordinal));

    /// <summary>The fields of <paramref name="original"/> that <paramref name="copy"/> (a disclosure copy's data) no longer shows.</summary>
    public static IReadOnlySet<string> HiddenIn(JsonNode? original, JsonNode? copy)
    {
        var shown = Of(copy).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        return Of(original).Select(f => f.Path).Where(p => !shown.Contains(p)).ToHashSet(StringComparer.Ordinal);
    }
}

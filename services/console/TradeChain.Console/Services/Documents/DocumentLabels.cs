using System.Text;
using System.Text.Json.Nodes;

namespace TradeChain.Console.Services.Documents;

/// <summary>Words for what the documents API names in code: document types, field names, times, hashes.</summary>
public static class DocumentLabels
{
    // The field that numbers each type of document; a certificate of origin also cites an invoice number, so its own comes first.
    private static readonly string[] NumberFields = ["billOfLadingNumber", "certificateNumber", "packingListNumber", "invoiceNumber"];

    private static readonly Dictionary<string, string> Words = new(StringComparer.Ordinal)
    {
        ["hs"] = "HS", ["kg"] = "(kg)", ["c"] = "(°C)", ["hours"] = "(hours)",
    };

    /// <summary>What /documents is to each role: an exporter's own documents, every document for customs, the titles a bank takes part in.</summary>
    public static string DocumentsPageName(string? role) => role switch
    {
        TradeChain.ServiceDefaults.Auth.Roles.CustomsOfficer => "Trade documents",
        TradeChain.ServiceDefaults.Auth.Roles.Bank => "Bills of lading",
        _ => "My documents",
    };

    /// <summary>"certificate-of-origin" → "Certificate of origin".</summary>
    public static string TypeLabel(string? type) =>
        string.IsNullOrEmpty(type) ? "Document" : char.ToUpperInvariant(type[0]) + type[1..].Replace('-', ' ');

    /// <summary>"billOfLadingNumber" → "Bill of lading number", "grossMassKg" → "Gross mass (kg)", "hsCode" → "HS code".</summary>
    public static string FieldLabel(string name)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in name)
        {
            if ((char.IsUpper(c) || c is '_' or '-' or ' ') && current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
            if (c is not ('_' or '-' or ' ')) current.Append(char.ToLowerInvariant(c));
        }
        if (current.Length > 0) words.Add(current.ToString());
        if (words.Count == 0) return name;
        var text = string.Join(' ', words.Select((w, i) => Words.TryGetValue(w, out var word) && (i > 0 || w == "hs") ? word : w));
        return char.ToUpperInvariant(text[0]) + text[1..];
    }

    /// <summary>The label of one row of a list: "Line items", 2 → "Line item 3".</summary>
    public static string RowLabel(string listLabel, int index)
    {
        var singular = listLabel.Length > 1 && listLabel.EndsWith('s') ? listLabel[..^1] : listLabel;
        return $"{singular} {index + 1}";
    }

    /// <summary>The document's own number, if its content has one of the numbering fields.</summary>
    public static string? NumberOf(JsonNode? content)
    {
        if (content is not JsonObject o) return null;
        foreach (var field in NumberFields)
            if (o[field] is JsonValue v && v.TryGetValue<string>(out var number)) return number;
        return null;
    }

    public static string Time(long unixMs) => Display.Time(unixMs);

    public static string Time(DateTimeOffset at) => Display.Time(at);

    public static string ShortHash(string? hash) => Display.ShortHash(hash);

    /// <summary>A hash as the chain writes it (0x-prefixed), whether or not the API prefixed it.</summary>
    public static string Hex(string hash) => hash.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hash : "0x" + hash;
}

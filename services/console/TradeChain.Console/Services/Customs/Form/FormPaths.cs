using System.Globalization;
using System.Text.RegularExpressions;

namespace TradeChain.Console.Services.Customs.Form;

/// <summary>
/// The customs API names each failing field by its JSON path (<c>items[0].netMassKg</c>, <c>consignment.containers[1]</c>).
/// This maps such a path to the element that shows it, to words for the error summary, and keeps a problem's paths
/// pointing at the same rows when a row is removed.
/// </summary>
public static partial class FormPaths
{
    /// <summary>The element id for a path: <c>items[0].netMassKg</c> → <c>f-items-0-netMassKg</c>.</summary>
    public static string Id(string path) => "f-" + Separators().Replace(path, "-").Trim('-');

    /// <summary>
    /// The path whose element shows <paramref name="path"/>'s errors: the path itself when the form renders it, else an
    /// alias (every item's currency is the one invoice currency), else its nearest rendered ancestor (an item's number is
    /// its row), else null.
    /// </summary>
    public static string? Anchor(string path, IReadOnlySet<string> rendered)
    {
        for (var candidate = AliasOf(path) ?? path; candidate is not null; candidate = Parent(candidate))
        {
            if (rendered.Contains(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The one form field that stands for several API paths, or null.</summary>
    public static string? AliasOf(string path) => ItemCurrency().IsMatch(path) ? InvoiceCurrency : null;

    /// <summary>The header field for the currency every goods item is invoiced in.</summary>
    public const string InvoiceCurrency = "invoiceCurrency";

    /// <summary><c>items[0].netMassKg</c> → <c>items[0]</c> → <c>items</c> → null.</summary>
    public static string? Parent(string path)
    {
        if (path.EndsWith(']'))
        {
            var open = path.LastIndexOf('[');
            return open > 0 ? path[..open] : null;
        }
        var dot = path.LastIndexOf('.');
        return dot > 0 ? path[..dot] : null;
    }

    /// <summary>Words for a path: <c>items[1].netMassKg</c> → "Item 2 › Net mass (kg)".</summary>
    public static string Label(string path)
    {
        var parts = new List<string>();
        foreach (Match segment in Segment().Matches(path))
        {
            var name = segment.Groups["name"].Value;
            var index = segment.Groups["index"].Success ? int.Parse(segment.Groups["index"].Value, CultureInfo.InvariantCulture) : (int?)null;
            if (index is { } i) parts.Add($"{Singular.GetValueOrDefault(name, name)} {i + 1}");
            else parts.Add(parts.Count > 0 && name == "type" ? "Type" : Words.GetValueOrDefault(name, name));
        }
        return string.Join(" › ", parts);
    }

    /// <summary>Words for a path's last segment, as its field's label says it.</summary>
    public static string LeafLabel(string path)
    {
        var label = Label(path);
        var last = label.LastIndexOf(" › ", StringComparison.Ordinal);
        return last < 0 ? label : label[(last + 3)..];
    }

    /// <summary>
    /// The problem as it reads once row <paramref name="removed"/> of <paramref name="list"/> is gone: that row's errors
    /// dropped, later rows' errors moved up one, so each error still sits at the row it was about.
    /// </summary>
    public static ApiProblem? WithoutRow(ApiProblem? problem, string list, int removed)
    {
        if (problem is null || problem.Errors.Count == 0) return problem;
        var row = new Regex("^" + Regex.Escape(list) + @"\[(\d+)\](.*)$", RegexOptions.CultureInvariant);
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, messages) in problem.Errors)
        {
            var match = row.Match(path);
            if (!match.Success) { errors[path] = messages; continue; }
            var index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            if (index == removed) continue;
            errors[index < removed ? path : $"{list}[{index - 1}]{match.Groups[2].Value}"] = messages;
        }
        return problem with { Errors = errors };
    }

    /// <summary>
    /// A refusal about one field that the API gives as a rule rather than a field error (a local reference number the
    /// declarant already used), put at that field too.
    /// </summary>
    public static ApiProblem? AtFields(ApiProblem? problem) => problem is { Rule: "lrn-unique-per-declarant", Errors.Count: 0 }
        ? problem with { Errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase) { ["localReferenceNumber"] = [problem.Message] } }
        : problem;

    private static readonly Dictionary<string, string> Words = new(StringComparer.Ordinal)
    {
        ["type"] = "Declaration type", ["localReferenceNumber"] = "Local reference number", ["declarationDate"] = "Declaration date",
        ["officeOfDeclaration"] = "Office of declaration", ["incoterm"] = "Incoterm", [InvoiceCurrency] = "Invoice currency",
        ["exporter"] = "Exporter", ["importer"] = "Importer", ["name"] = "Name", ["identifier"] = "Identifier (TIN, EORI…)", ["country"] = "Country",
        ["consignment"] = "Consignment", ["transportMode"] = "Transport mode", ["meansOfTransport"] = "Means of transport",
        ["containers"] = "Containers", ["placeOfLoading"] = "Place of loading", ["placeOfDischarge"] = "Place of discharge",
        ["items"] = "Goods items", ["itemNumber"] = "Item number", ["hsCode"] = "HS code", ["description"] = "Description of the goods",
        ["originCountry"] = "Origin country", ["quantity"] = "Quantity", ["unit"] = "Unit", ["grossMassKg"] = "Gross mass (kg)",
        ["netMassKg"] = "Net mass (kg)", ["customsValue"] = "Customs value", ["currency"] = "Invoice currency",
        ["valuationMethod"] = "Valuation method", ["procedureCode"] = "Procedure code", ["preferenceCode"] = "Preference",
        ["documents"] = "Attached documents", ["hash"] = "Hash", ["reason"] = "Reason for the amendment",
    };

    private static readonly Dictionary<string, string> Singular = new(StringComparer.Ordinal)
    {
        ["items"] = "Item", ["containers"] = "Container", ["documents"] = "Document",
    };

    [GeneratedRegex(@"[\[\].]+")]
    private static partial Regex Separators();

    [GeneratedRegex(@"(?<name>[A-Za-z]+)(\[(?<index>\d+)\])?")]
    private static partial Regex Segment();

    [GeneratedRegex(@"^items\[\d+\]\.currency$")]
    private static partial Regex ItemCurrency();
}

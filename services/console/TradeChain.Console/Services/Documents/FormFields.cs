using System.Text;

namespace TradeChain.Console.Services.Documents;

/// <summary>A field on the page, as an error summary links to it: its full label and the id of its input (or fieldset).</summary>
public sealed record FormFieldRef(string Label, string InputId);

/// <summary>One of the API's field errors, tied to the field it names when the page has one.</summary>
public sealed record FieldProblem(string Path, string Message, FormFieldRef? Field);

/// <summary>
/// The API's field paths (dotted, array rows as indices: "content.lineItems.0.amount", as the documents API reports
/// them) for the inputs of a generated form, and the ids those inputs carry, so an error lands beside its field.
/// </summary>
public static class FormFields
{
    public static string Child(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Row(string parent, int index) => $"{parent}.{index}";

    /// <summary>An HTML id for the input at <paramref name="path"/>: "content.buyer.country" → "field-content-buyer-country".</summary>
    public static string InputId(string path)
    {
        var id = new StringBuilder("field-", path.Length + 6);
        foreach (var c in path) id.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '-');
        return id.ToString();
    }

    public static string ErrorId(string path) => InputId(path) + "-error";

    public static string HintId(string path) => InputId(path) + "-hint";

    /// <summary>Every field, fieldset and row the form shows for <paramref name="value"/>, under <paramref name="prefix"/> (e.g. "content").</summary>
    public static Dictionary<string, FormFieldRef> Index(SchemaFormValue value, string prefix)
    {
        var index = new Dictionary<string, FormFieldRef>(StringComparer.OrdinalIgnoreCase);
        Walk(value, prefix, null, null, index);
        return index;
    }

    // enclosing: the label of the object around this node; an array's rows take its place ("Line item 1", not "Line items › Line item 1").
    private static void Walk(SchemaFormValue value, string path, string? label, string? enclosing, Dictionary<string, FormFieldRef> index)
    {
        if (label is not null) index[path] = new FormFieldRef(label, InputId(path));
        switch (value)
        {
            case ObjectValue o:
                foreach (var property in o.Node.Properties)
                    Walk(o[property.Name], Child(path, property.Name), Join(label, property.Label), label, index);
                break;
            case ArrayValue a:
                for (var i = 0; i < a.Rows.Count; i++)
                    Walk(a.Rows[i], Row(path, i), Join(enclosing, a.Node.RowLabel(i)), enclosing, index);
                break;
        }
    }

    private static string Join(string? parent, string label) => parent is null ? label : $"{parent} › {label}";

    /// <summary>The problem's field errors in the order the API gave them, each tied to its field on the page when there is one.</summary>
    public static IReadOnlyList<FieldProblem> Locate(ApiProblem? problem, IReadOnlyDictionary<string, FormFieldRef> fields)
    {
        if (problem is null) return [];
        var located = new List<FieldProblem>();
        foreach (var (path, messages) in problem.Errors)
        {
            fields.TryGetValue(path, out var field);
            located.AddRange(messages.Select(m => new FieldProblem(path, m, field)));
        }
        return located;
    }
}

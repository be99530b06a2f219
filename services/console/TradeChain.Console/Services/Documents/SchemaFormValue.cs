using System.Globalization;
using System.Text.Json.Nodes;

namespace TradeChain.Console.Services.Documents;

/// <summary>
/// What the user has typed into a form generated from a <see cref="SchemaNode"/>: one value per node, mutable while
/// the form is open. <see cref="ToJson"/> turns it into the content the documents API expects.
/// </summary>
public abstract class SchemaFormValue
{
    protected SchemaFormValue(SchemaNode node) => Node = node;

    public SchemaNode Node { get; }

    /// <summary>An empty value for <paramref name="node"/>: objects with every property, arrays with as many rows as they need at least.</summary>
    public static SchemaFormValue For(SchemaNode node) => node.Kind switch
    {
        SchemaKind.Object => new ObjectValue(node),
        SchemaKind.Array => new ArrayValue(node),
        _ => new FieldValue(node),
    };

    /// <summary>
    /// The JSON for this value, or null to leave it out. Empty optional fields and objects are left out; an empty required
    /// object is sent as {} so the API names each missing field; text that is not a number goes to the API as it is, so
    /// the API's own message says what is wrong with it.
    /// </summary>
    public abstract JsonNode? ToJson();

    /// <summary>Whether the user has filled in nothing here.</summary>
    public abstract bool IsEmpty { get; }
}

public sealed class ObjectValue : SchemaFormValue
{
    public ObjectValue(SchemaNode node) : base(node) =>
        Fields = node.Properties.ToDictionary(p => p.Name, For, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, SchemaFormValue> Fields { get; }

    public SchemaFormValue this[string name] => Fields[name];

    public override bool IsEmpty => Fields.Values.All(f => f.IsEmpty);

    public override JsonNode? ToJson()
    {
        if (IsEmpty && !Node.Required) return null;
        var result = new JsonObject();
        foreach (var property in Node.Properties)
            if (Fields[property.Name].ToJson() is { } value) result[property.Name] = value;
        return result;
    }
}

public sealed class ArrayValue : SchemaFormValue
{
    private readonly List<SchemaFormValue> _rows = [];

    public ArrayValue(SchemaNode node) : base(node)
    {
        for (var i = 0; i < (node.MinItems ?? 0); i++) AddRow();
    }

    public IReadOnlyList<SchemaFormValue> Rows => _rows;

    public bool CanAdd => Node.Items is not null && (Node.MaxItems is null || _rows.Count < Node.MaxItems);

    public bool CanRemove => _rows.Count > (Node.MinItems ?? 0);

    public SchemaFormValue AddRow()
    {
        var row = For(Node.Items ?? throw new InvalidOperationException($"{Node.Label} has no item schema."));
        _rows.Add(row);
        return row;
    }

    public void RemoveRow(int index) => _rows.RemoveAt(index);

    public override bool IsEmpty => _rows.Count == 0;

    public override JsonNode? ToJson()
    {
        if (_rows.Count == 0 && !Node.Required) return null;
        // A row the user added stays in its place even when empty, so the API's "lineItems.2.amount" is that row.
        return new JsonArray(_rows.Select(r => r.ToJson() ?? (r.Node.Kind == SchemaKind.Object ? new JsonObject() : null)).ToArray());
    }
}

/// <summary>A single input: text, number, date, choice or check box.</summary>
public sealed class FieldValue(SchemaNode node) : SchemaFormValue(node)
{
    public string? Text { get; set; }

    public bool Checked { get; set; }

    public override bool IsEmpty => Node.Kind == SchemaKind.Boolean ? !Checked : string.IsNullOrWhiteSpace(Text);

    public override JsonNode? ToJson()
    {
        if (Node.Kind == SchemaKind.Boolean) return Checked ? true : Node.Required ? false : null;
        var text = Text?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        return Node.Kind switch
        {
            SchemaKind.Integer when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) => JsonValue.Create(whole),
            SchemaKind.Number or SchemaKind.Integer when decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) =>
                JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };
    }
}

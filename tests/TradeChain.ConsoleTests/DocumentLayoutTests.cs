using System.Text.Json.Nodes;
using TradeChain.Console.Services.Verify;

namespace TradeChain.ConsoleTests;

/// <summary>How the verifier lays a document out for a person: labels from the schema, its order, hidden fields in place.</summary>
public sealed class DocumentLayoutTests
{
    private static readonly JsonObject Schema = JsonNode.Parse("""
        {
          "title": "Bill of lading",
          "properties": {
            "billOfLadingNumber": { "type": "string" },
            "shipper": { "$ref": "#/$defs/party" },
            "consignee": { "$ref": "#/$defs/party" },
            "grossMassKg": { "type": "number", "title": "Gross weight (kg)" },
            "containers": { "type": "array", "items": { "$ref": "#/$defs/container" } }
          },
          "$defs": {
            "party": { "type": "object", "properties": { "name": { "type": "string" }, "country": { "type": "string" } } },
            "container": { "type": "object", "properties": { "number": { "type": "string" }, "sealNumber": { "type": "string" } } }
          }
        }
        """)!.AsObject();

    [Fact]
    public void Fields_are_labelled_from_the_schema_in_its_order_and_OpenAttestation_s_own_parts_are_left_out()
    {
        var data = JsonNode.Parse("""
            { "containers": [ { "number": "CSQU3054383" } ], "grossMassKg": 19200, "billOfLadingNumber": "MAEU-1",
              "shipper": { "name": "ACME Coffee JSC", "country": "VN" }, "issuers": [ { "name": "X" } ], "$template": { "name": "bill-of-lading" } }
            """);

        var fields = DocumentLayout.Fields(data, Schema);

        Assert.Equal(["billOfLadingNumber", "shipper", "grossMassKg", "containers"], fields.Select(f => f.Path));
        Assert.Equal(["Bill of lading number", "Shipper", "Gross weight (kg)", "Containers"], fields.Select(f => f.Label));
        Assert.Equal("19200", fields[2].Value);
        Assert.Equal(["Name", "Country"], fields[1].Parts.Select(p => p.Label));
        var container = Assert.Single(fields[3].Parts);
        Assert.Equal("containers.0.number", container.Parts.Single().Path);
        Assert.Equal("Bill of lading", DocumentLayout.Title(Schema));
    }

    [Fact]
    public void Hidden_fields_take_their_place_marked_hidden_even_a_whole_list()
    {
        var data = JsonNode.Parse("""{ "billOfLadingNumber": "MAEU-1", "grossMassKg": 19200 }""");

        var fields = DocumentLayout.Fields(data, Schema, ["consignee.name", "consignee.country", "containers.0.number", "issuers.0.name"]);

        Assert.Equal(["billOfLadingNumber", "consignee", "grossMassKg", "containers"], fields.Select(f => f.Path));
        Assert.All(fields[1].Parts, p => Assert.True(p.Hidden));
        Assert.Equal(["Name", "Country"], fields[1].Parts.Select(p => p.Label));
        Assert.True(fields[3].Parts.Single().Parts.Single().Hidden);
        Assert.False(fields[0].Hidden);
    }

    [Fact]
    public void Without_a_schema_names_read_as_words()
    {
        Assert.Equal("HS code", DocumentLayout.Humanise("hsCode"));
        Assert.Equal("Gross mass (kg)", DocumentLayout.Humanise("grossMassKg"));
        Assert.Equal("Port of loading", DocumentLayout.Humanise("portOfLoading"));
        Assert.Equal("Invoice number", DocumentLayout.Fields(JsonNode.Parse("""{ "invoiceNumber": "INV-1" }"""), null).Single().Label);
    }
}

using System.Text.Json.Nodes;
using TradeChain.Documents.Application;

namespace TradeChain.UnitTests;

/// <summary>A batch's document is identified by what it says, so a batch sent again finds what it already submitted.</summary>
public sealed class DocumentIdentityTests
{
    private static SubmitDocumentCommand Invoice(string json, bool transferable = false, string? holder = null) =>
        new(transferable ? "bill-of-lading" : "commercial-invoice", JsonNode.Parse(json)!.AsObject(), transferable, null, holder);

    [Fact]
    public void The_same_document_from_the_same_party_has_the_same_id_whatever_the_order_of_its_keys()
    {
        var id = SubmitDocument.IdOf(Invoice("""{"invoiceNumber":"INV-1","buyer":{"name":"B","country":"DE"},"lines":[1,2]}"""), "EXP-A");
        Assert.Equal(id, SubmitDocument.IdOf(Invoice("""{"lines":[1,2],"buyer":{"country":"DE","name":"B"},"invoiceNumber":"INV-1"}"""), "EXP-A"));
        Assert.Equal(8, id.Version);
    }

    [Fact]
    public void Another_party_other_content_or_other_title_parties_make_another_document()
    {
        const string content = """{"invoiceNumber":"INV-1","lines":[1,2]}""";
        var id = SubmitDocument.IdOf(Invoice(content), "EXP-A");
        Assert.NotEqual(id, SubmitDocument.IdOf(Invoice(content), "EXP-B"));
        Assert.NotEqual(id, SubmitDocument.IdOf(Invoice("""{"invoiceNumber":"INV-1","lines":[2,1]}"""), "EXP-A"));
        Assert.NotEqual(id, SubmitDocument.IdOf(Invoice("""{"invoiceNumber":"INV-2","lines":[1,2]}"""), "EXP-A"));
        Assert.NotEqual(SubmitDocument.IdOf(Invoice(content, transferable: true), "EXP-A"),
            SubmitDocument.IdOf(Invoice(content, transferable: true, holder: "BNK-X"), "EXP-A"));
    }
}

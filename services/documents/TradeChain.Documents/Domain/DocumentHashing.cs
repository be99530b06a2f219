using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.Util;
using TradeChain.Ledger.Merkle;

namespace TradeChain.Documents.Domain;

/// <summary>
/// Canonical form and hash of a submitted document: a JSON object {salt, type, owner, content} with keys sorted
/// at every level and no white space, hashed with keccak256. The random salt keeps the hash from revealing
/// guessable content. (OpenAttestation's per-field salting and selective disclosure come with the documents issue.)
/// </summary>
public static class DocumentHashing
{
    public static (string CanonicalJson, string Hash) Canonicalise(string documentType, string ownerParty, JsonObject content, Guid salt)
    {
        var envelope = new JsonObject
        {
            ["content"] = content.DeepClone(),
            ["owner"] = ownerParty,
            ["salt"] = salt.ToString(),
            ["type"] = documentType,
        };
        var canonical = Sorted(envelope)!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return (canonical, Hex.Encode(Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(canonical))));
    }

    public static string HashOf(string canonicalJson) => Hex.Encode(Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(canonicalJson)));

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}

/// <summary>The document types accepted so far and the fields each must carry (full JSON schemas come with the documents issue).</summary>
public static class DocumentTypes
{
    public static readonly IReadOnlyDictionary<string, string[]> RequiredFields = new Dictionary<string, string[]>
    {
        ["certificate-of-origin"] = ["certificateNumber", "exporter", "consignee", "originCountry", "goodsDescription"],
        ["commercial-invoice"] = ["invoiceNumber", "seller", "buyer", "totalAmount", "currency"],
        ["packing-list"] = ["packingListNumber", "shipper", "consignee", "packages", "grossMassKg"],
        ["bill-of-lading"] = ["billOfLadingNumber", "carrier", "shipper", "consignee", "portOfLoading", "portOfDischarge", "vessel"],
        ["phytosanitary-certificate"] = ["certificateNumber", "exporter", "consignee", "originCountry", "botanicalName", "treatment"],
    };
}

using TradeChain.Domain.Hashing;
using System.Text.Json.Nodes;
using TradeChain.Documents.Domain;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// TradeChain's OpenAttestation v2 wrapping against the public npm library @govtechsg/open-attestation (run with node),
/// both ways: what TradeChain wraps verifies there, what it wraps verifies here, and so do partly hidden copies.
/// </summary>
public sealed class OpenAttestationInteropTests
{
    private static JsonObject Certificate(int n) => JsonNode.Parse($$"""
        {
          "issuers": [{ "name": "ACME Rubber Export JSC", "documentStore": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
                        "identityProof": { "type": "DNS-TXT", "location": "acme-rubber.example" } }],
          "certificateNumber": "CO-{{n}}",
          "exporter": { "name": "ACME Rubber Export JSC", "address": { "city": "Hồ Chí Minh", "country": "VN" } },
          "items": [{ "hsCode": "400122", "quantity": 576, "netMassKg": 20160.5, "organic": false, "lot": null }],
          "attachments": [],
          "remarks": "ship via \"MAERSK SELETAR\"\nno transhipment — ✓"
        }
        """)!.AsObject();

    private static Task<JsonNode> Node(string command, JsonNode input) => Infrastructure.OpenAttestationNode.RunAsync(command, input);

    [Fact]
    public async Task Documents_wrapped_by_TradeChain_verify_with_the_OpenAttestation_library()
    {
        var originals = Enumerable.Range(1, 3).Select(Certificate).ToList();
        var wrapped = OpenAttestationV2.WrapBatch(originals);

        var verdicts = (await Node("verify", new JsonArray(wrapped.Select(w => (JsonNode)w.DeepClone()).ToArray()))).AsArray();

        Assert.All(verdicts, v => Assert.True(v!["valid"]!.GetValue<bool>()));
        for (var i = 0; i < originals.Count; i++) Assert.True(JsonNode.DeepEquals(originals[i], verdicts[i]!["data"]), $"document {i} unsalts to its original");
        Assert.Single(wrapped.Select(w => w["signature"]!["merkleRoot"]!.GetValue<string>()).Distinct());
    }

    [Fact]
    public async Task Documents_wrapped_by_the_OpenAttestation_library_verify_with_TradeChain_and_tampering_is_caught()
    {
        var wrapped = (await Node("wrap", new JsonArray(Enumerable.Range(1, 5).Select(i => (JsonNode)Certificate(i)).ToArray()))).AsArray()
            .Select(w => w!.AsObject()).ToList();

        Assert.All(wrapped, w => Assert.True(OpenAttestationV2.VerifyIntegrity(w).Valid, OpenAttestationV2.VerifyIntegrity(w).Reason));

        // Rebuilding the batch from the library's target hashes gives the library's root.
        var leaves = wrapped.Select(w => Convert.FromHexString(w["signature"]!["targetHash"]!.GetValue<string>())).OrderBy(h => h, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        Assert.Equal(wrapped[0]["signature"]!["merkleRoot"]!.GetValue<string>(), Convert.ToHexStringLower(new TradeChain.Domain.Hashing.MerkleTree(leaves).Root));

        var tampered = (JsonObject)wrapped[2].DeepClone();
        var salted = tampered["data"]!["items"]![0]!["quantity"]!.GetValue<string>();
        tampered["data"]!["items"]![0]!["quantity"] = salted[..salted.LastIndexOf(':')] + ":600";
        var verdict = OpenAttestationV2.VerifyIntegrity(tampered);
        Assert.False(verdict.Valid);
        Assert.StartsWith("tampered", verdict.Reason);
    }

    [Fact]
    public async Task A_copy_with_hidden_fields_still_verifies_both_ways()
    {
        var wrapped = OpenAttestationV2.WrapBatch([Certificate(1), Certificate(2)]);
        var hidden = OpenAttestationV2.Obfuscate(wrapped[0], ["exporter.address", "remarks"]);
        Assert.Null(hidden["data"]!["remarks"]);
        Assert.Null(hidden["data"]!["exporter"]!["address"]);
        Assert.True(OpenAttestationV2.VerifyIntegrity(hidden).Valid);
        Assert.True((await Node("verify", new JsonArray(hidden.DeepClone())))[0]!["valid"]!.GetValue<bool>());

        var theirs = (await Node("obfuscate", new JsonObject { ["document"] = wrapped[1].DeepClone(), ["paths"] = new JsonArray("items", "certificateNumber") })).AsObject();
        Assert.Null(theirs["data"]!["certificateNumber"]);
        Assert.True(OpenAttestationV2.VerifyIntegrity(theirs).Valid, OpenAttestationV2.VerifyIntegrity(theirs).Reason);
    }

    [Fact]
    public async Task The_OpenAttestation_library_rejects_a_document_TradeChain_wrapped_then_someone_altered()
    {
        var wrapped = OpenAttestationV2.WrapBatch([Certificate(1)])[0];
        var salted = wrapped["data"]!["certificateNumber"]!.GetValue<string>();
        wrapped["data"]!["certificateNumber"] = salted[..salted.LastIndexOf(':')] + ":CO-FORGED";

        Assert.False((await Node("verify", new JsonArray(wrapped.DeepClone())))[0]!["valid"]!.GetValue<bool>());
        Assert.False(OpenAttestationV2.VerifyIntegrity(wrapped).Valid);
    }
}

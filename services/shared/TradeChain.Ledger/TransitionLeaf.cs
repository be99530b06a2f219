using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Nethereum.Util;

namespace TradeChain.Ledger;

/// <summary>
/// The fields of one state transition that are committed to on chain. The leaf is keccak256 over the UTF-8
/// bytes of a JSON array of these fields in this order, prefixed by a version tag: anyone holding the
/// transition as the history API returns it can recompute the leaf without TradeChain's code.
/// </summary>
public sealed record TransitionLeaf(
    string Service,
    string AggregateType,
    string AggregateId,
    int Sequence,
    string FromState,
    string ToState,
    string Actor,
    string Reason,
    string? ResponseCode,
    long OccurredAtUnixMs)
{
    public const string Version = "tradechain.transition.v1";

    // Same bytes as JavaScript's JSON.stringify for printable text, so a verifier in any language can rebuild the leaf.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string CanonicalJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(Version);
            writer.WriteStringValue(Service);
            writer.WriteStringValue(AggregateType);
            writer.WriteStringValue(AggregateId);
            writer.WriteNumberValue(Sequence);
            writer.WriteStringValue(FromState);
            writer.WriteStringValue(ToState);
            writer.WriteStringValue(Actor);
            writer.WriteStringValue(Reason);
            if (ResponseCode is null) writer.WriteNullValue(); else writer.WriteStringValue(ResponseCode);
            writer.WriteNumberValue(OccurredAtUnixMs);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public byte[] Hash() => Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(CanonicalJson()));
}

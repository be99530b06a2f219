using TradeChain.Domain.Hashing;
using System.Text;
using System.Globalization;
using Nethereum.Util;

namespace TradeChain.Ledger;

/// <summary>
/// The fields of one state transition that are committed to on chain. The leaf is keccak256 over the UTF-8
/// bytes of a JSON array of these fields in this order, prefixed by a version tag: anyone holding the
/// transition as the history API returns it can recompute the leaf without TradeChain's code: the JSON is exactly what
/// JavaScript's JSON.stringify writes for that array.
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


    public string CanonicalJson()
    {
        var b = new StringBuilder("[");
        b.Append(JsJson.String(Version)).Append(',').Append(JsJson.String(Service)).Append(',').Append(JsJson.String(AggregateType)).Append(',')
            .Append(JsJson.String(AggregateId)).Append(',').Append(Sequence.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(JsJson.String(FromState)).Append(',').Append(JsJson.String(ToState)).Append(',').Append(JsJson.String(Actor)).Append(',')
            .Append(JsJson.String(Reason)).Append(',').Append(ResponseCode is null ? "null" : JsJson.String(ResponseCode)).Append(',')
            .Append(OccurredAtUnixMs.ToString(CultureInfo.InvariantCulture)).Append(']');
        return b.ToString();
    }

    public byte[] Hash() => Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(CanonicalJson()));
}

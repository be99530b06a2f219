using TradeChain.Domain.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nethereum.Util;
using TradeChain.Customs.Domain;
using TradeChain.Domain;

namespace TradeChain.UnitTests;

/// <summary>The dependency-free Keccak-256 of TradeChain.Domain against published vectors and Nethereum's.</summary>
public class Keccak256Tests
{
    [Theory]
    [InlineData("", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("The quick brown fox jumps over the lazy dog", "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")]
    public void Hashes_the_known_vectors(string text, string expected) =>
        Assert.Equal(expected, Keccak256.HashHex(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Agrees_with_nethereum_on_random_inputs_of_every_length_around_the_block_size()
    {
        var random = new Random(13);
        foreach (var length in Enumerable.Range(0, 300).Concat([407, 408, 409, 1_000, 4_096]))
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Sha3Keccack.Current.CalculateHash(data), Keccak256.Hash(data));
        }
    }

    [Fact]
    public void A_lane_decision_commits_to_the_same_hash_as_when_nethereum_computed_it()
    {
        var decision = new LaneDecision(Lane.Red, [new FiredRule("R-WATCH", "declarant on the watch list", Lane.Red, 90)], 0.1234m, "rule R-WATCH", "ignored");
        var json = JsonSerializer.SerializeToUtf8Bytes(decision with { Commitment = null },
            new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } });
        Assert.Equal(TradeChain.Domain.Hashing.Hex.Encode(Sha3Keccack.Current.CalculateHash(json)), CustomsProcess.Commit(decision));
    }

    [Fact]
    public void Writes_hex_as_the_chain_does() => Assert.Equal("0x00ff10", Keccak256.Hex([0x00, 0xff, 0x10]));
}

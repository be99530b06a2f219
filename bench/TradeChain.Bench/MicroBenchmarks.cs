using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using TradeChain.Documents.Domain;
using TradeChain.Ledger;
using TradeChain.Domain.Hashing;

namespace TradeChain.Bench;

/// <summary>The CPU-bound pieces of the hot path (run with --micro; BenchmarkDotNet, Release build).</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private readonly List<byte[]> _leaves = Enumerable.Range(0, 256).Select(i => new TransitionLeaf("customs", "declaration", Guid.NewGuid().ToString(), i, "Registered", "Assessed",
        "customs-system", "documents verified; lane Blue", "01", 1764000000000 + i).Hash()).ToList();

    private readonly JsonObject _certificate = new()
    {
        ["certificateNumber"] = "CO-1", ["exporter"] = "ACME Rubber Export JSC", ["consignee"] = "Nordsee Reifenwerke GmbH",
        ["originCountry"] = "VN", ["goodsDescription"] = "Technically specified natural rubber SVR 10", ["hsCode"] = "400122",
    };

    [Benchmark]
    public byte[] TransitionLeafHash() => new TransitionLeaf("customs", "declaration", "0b0e6c1e-0000-0000-0000-000000000001", 2, "Registered", "Assessed",
        "customs-system", "documents verified; lane Blue", "01", 1764000000000).Hash();

    [Benchmark]
    public byte[] MerkleTreeOf256() => new MerkleTree(_leaves).Root;

    [Benchmark]
    public string WrapCertificate() => OpenAttestationV2.TargetHash(OpenAttestationV2.SaltData(_certificate), []);
}

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

    /// <summary>A bank's settlement call, signed (as a remote signer answers it).</summary>
    private static readonly string SignedCall = new TransactionSigner(DevelopmentAccounts.DocumentsKey, DevelopmentAccounts.ChainId)
        .Sign(7, 1_000_000_000, 3_000_000_000, 60_000, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 0, "0xa9059cbb" + new string('1', 128)).Raw;

    /// <summary>Who signed a transaction, as Nethereum recovers it (BouncyCastle): how a signer's answer was checked before 2026-12-06.</summary>
    [Benchmark]
    public string SignerRecoveredByNethereum() => Nethereum.Signer.TransactionVerificationAndRecovery.GetSenderAddress(SignedCall);

    /// <summary>The same, decoded and recovered by <see cref="DecodedTransaction.Decode"/> (libsecp256k1's C# port).</summary>
    [Benchmark]
    public string SignerRecoveredByDecodedTransaction() => DecodedTransaction.Decode(SignedCall).Signer;
}

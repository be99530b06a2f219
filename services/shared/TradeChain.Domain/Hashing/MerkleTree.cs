using TradeChain.Domain;


namespace TradeChain.Domain.Hashing;

/// <summary>
/// A keccak256 Merkle tree over 32-byte leaves with sorted pairs (parent = keccak(min ‖ max)), the scheme
/// OpenZeppelin's MerkleProof and OpenAttestation use: a proof is the list of siblings, order-free.
/// An odd node at the end of a level is carried up unchanged.
/// </summary>
public sealed class MerkleTree
{
    private readonly List<byte[][]> _levels;

    public MerkleTree(IReadOnlyList<byte[]> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        if (leaves.Count == 0) throw new ArgumentException("A Merkle tree needs at least one leaf.", nameof(leaves));
        foreach (var leaf in leaves)
        {
            if (leaf is not { Length: 32 }) throw new ArgumentException("Every leaf must be a 32-byte hash.", nameof(leaves));
        }

        _levels = [leaves.ToArray()];
        while (_levels[^1].Length > 1)
        {
            var below = _levels[^1];
            var above = new byte[(below.Length + 1) / 2][];
            for (var i = 0; i < below.Length; i += 2)
            {
                above[i / 2] = i + 1 < below.Length ? HashPair(below[i], below[i + 1]) : below[i];
            }
            _levels.Add(above);
        }
    }

    public byte[] Root => _levels[^1][0];

    public int LeafCount => _levels[0].Length;

    /// <summary>The siblings from the leaf at <paramref name="index"/> up to the root.</summary>
    public IReadOnlyList<byte[]> ProofFor(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, LeafCount);
        var proof = new List<byte[]>();
        for (var level = 0; level < _levels.Count - 1; level++)
        {
            var sibling = index ^ 1;
            if (sibling < _levels[level].Length) proof.Add(_levels[level][sibling]);
            index /= 2;
        }
        return proof;
    }

    /// <summary>Recomputes the root from a leaf and its proof and compares it with <paramref name="root"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> leaf, IEnumerable<byte[]> proof, ReadOnlySpan<byte> root) =>
        ComputeRoot(leaf.ToArray(), proof).AsSpan().SequenceEqual(root);

    public static byte[] ComputeRoot(byte[] leaf, IEnumerable<byte[]> proof)
    {
        var node = leaf;
        foreach (var sibling in proof) node = HashPair(node, sibling);
        return node;
    }

    public static byte[] HashPair(byte[] a, byte[] b)
    {
        var (first, second) = a.AsSpan().SequenceCompareTo(b) <= 0 ? (a, b) : (b, a);
        var length = first.Length + second.Length;
        Span<byte> buffer = length <= 128 ? stackalloc byte[length] : new byte[length];
        first.CopyTo(buffer);
        second.CopyTo(buffer[first.Length..]);
        return Keccak256.Hash(buffer);
    }
}

using System.Text;
using Nethereum.Util;
using TradeChain.Domain.Hashing;

namespace TradeChain.UnitTests;

public class MerkleTreeTests
{
    private static byte[] Leaf(int i) => Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes($"transition {i}"));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(33)]
    public void Every_leaf_proves_its_membership_in_the_root(int count)
    {
        var leaves = Enumerable.Range(0, count).Select(Leaf).ToList();
        var tree = new MerkleTree(leaves);
        for (var i = 0; i < count; i++)
        {
            Assert.True(MerkleTree.Verify(leaves[i], tree.ProofFor(i), tree.Root), $"leaf {i} of {count}");
        }
    }

    [Fact]
    public void A_single_leaf_is_its_own_root()
    {
        var tree = new MerkleTree([Leaf(1)]);
        Assert.Equal(Leaf(1), tree.Root);
        Assert.Empty(tree.ProofFor(0));
    }

    [Fact]
    public void The_root_of_two_leaves_is_the_hash_of_the_sorted_pair()
    {
        var (a, b) = (Leaf(1), Leaf(2));
        var sorted = a.AsSpan().SequenceCompareTo(b) < 0 ? a.Concat(b) : b.Concat(a);
        Assert.Equal(Sha3Keccack.Current.CalculateHash(sorted.ToArray()), new MerkleTree([a, b]).Root);
    }

    [Fact]
    public void A_tampered_leaf_does_not_verify()
    {
        var leaves = Enumerable.Range(0, 5).Select(Leaf).ToList();
        var tree = new MerkleTree(leaves);
        Assert.False(MerkleTree.Verify(Leaf(99), tree.ProofFor(2), tree.Root));
    }

    [Fact]
    public void A_proof_for_another_leaf_does_not_verify()
    {
        var leaves = Enumerable.Range(0, 8).Select(Leaf).ToList();
        var tree = new MerkleTree(leaves);
        Assert.False(MerkleTree.Verify(leaves[1], tree.ProofFor(6), tree.Root));
    }

    [Fact]
    public void Leaves_must_be_32_byte_hashes()
    {
        Assert.Throws<ArgumentException>(() => new MerkleTree([new byte[31]]));
        Assert.Throws<ArgumentException>(() => new MerkleTree([]));
    }
}

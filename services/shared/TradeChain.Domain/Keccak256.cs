using System.Buffers.Binary;
using System.Numerics;

namespace TradeChain.Domain;

/// <summary>
/// Keccak-256 as Ethereum uses it (the original Keccak padding 0x01, not SHA3-256's 0x06), and its 0x-hex form:
/// what a domain needs to commit to a value the chain can check, without a chain library.
/// </summary>
public static class Keccak256
{
    private const int Rate = 136; // bytes: 1600-bit state minus 2 × 256-bit capacity

    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808AUL, 0x8000000080008000UL,
        0x000000000000808BUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008AUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000AUL,
        0x000000008000808BUL, 0x800000000000008BUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800AUL, 0x800000008000000AUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    private static readonly int[] Rotations = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];

    private static readonly int[] PiLanes = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];

    /// <summary>The 32-byte Keccak-256 hash of <paramref name="data"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        Span<ulong> state = stackalloc ulong[25];
        while (data.Length >= Rate)
        {
            Absorb(state, data[..Rate]);
            data = data[Rate..];
        }
        Span<byte> last = stackalloc byte[Rate];
        data.CopyTo(last);
        last[data.Length] ^= 0x01;
        last[Rate - 1] ^= 0x80;
        Absorb(state, last);

        var hash = new byte[32];
        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteUInt64LittleEndian(hash.AsSpan(i * 8), state[i]);
        return hash;
    }

    /// <summary>The Keccak-256 hash of <paramref name="data"/> as 0x-prefixed lower-case hex.</summary>
    public static string HashHex(ReadOnlySpan<byte> data) => Hex(Hash(data));

    /// <summary>Bytes as 0x-prefixed lower-case hex, the way the chain and the transition log write hashes.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    private static void Absorb(Span<ulong> state, ReadOnlySpan<byte> block)
    {
        for (var i = 0; i < Rate / 8; i++) state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(block[(i * 8)..]);
        Permute(state);
    }

    /// <summary>Keccak-f[1600]: 24 rounds of θ, ρ, π, χ and ι.</summary>
    private static void Permute(Span<ulong> a)
    {
        Span<ulong> c = stackalloc ulong[5];
        foreach (var roundConstant in RoundConstants)
        {
            for (var x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            for (var x = 0; x < 5; x++)
            {
                var d = c[(x + 4) % 5] ^ BitOperations.RotateLeft(c[(x + 1) % 5], 1);
                for (var y = 0; y < 25; y += 5) a[y + x] ^= d;
            }

            var carried = a[1];
            for (var i = 0; i < 24; i++)
            {
                var lane = PiLanes[i];
                var next = a[lane];
                a[lane] = BitOperations.RotateLeft(carried, Rotations[i]);
                carried = next;
            }

            for (var y = 0; y < 25; y += 5)
            {
                for (var x = 0; x < 5; x++) c[x] = a[y + x];
                for (var x = 0; x < 5; x++) a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
            }

            a[0] ^= roundConstant;
        }
    }
}

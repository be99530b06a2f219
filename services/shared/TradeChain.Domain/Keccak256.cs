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

    /// <summary>The 32-byte Keccak-256 hash of <paramref name="data"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var hash = new byte[32];
        Hash(data, hash);
        return hash;
    }

    /// <summary>Writes the 32-byte Keccak-256 hash of <paramref name="data"/> to <paramref name="destination"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, 32, nameof(destination));
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

        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], state[i]);
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

    /// <summary>Keccak-f[1600]: 24 rounds of θ, ρ, π, χ and ι, on the 25 lanes held in locals (unrolled; the lanes are a[x + 5y]).</summary>
    private static void Permute(Span<ulong> state)
    {
        ulong a00 = state[0], a01 = state[1], a02 = state[2], a03 = state[3], a04 = state[4];
        ulong a05 = state[5], a06 = state[6], a07 = state[7], a08 = state[8], a09 = state[9];
        ulong a10 = state[10], a11 = state[11], a12 = state[12], a13 = state[13], a14 = state[14];
        ulong a15 = state[15], a16 = state[16], a17 = state[17], a18 = state[18], a19 = state[19];
        ulong a20 = state[20], a21 = state[21], a22 = state[22], a23 = state[23], a24 = state[24];
        foreach (var roundConstant in RoundConstants)
        {
            // θ
            var c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
            var c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
            var c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
            var c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
            var c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
            var d0 = BitOperations.RotateLeft(c1, 1) ^ c4;
            var d1 = BitOperations.RotateLeft(c2, 1) ^ c0;
            var d2 = BitOperations.RotateLeft(c3, 1) ^ c1;
            var d3 = BitOperations.RotateLeft(c4, 1) ^ c2;
            var d4 = BitOperations.RotateLeft(c0, 1) ^ c3;
            a00 ^= d0; a05 ^= d0; a10 ^= d0; a15 ^= d0; a20 ^= d0;
            a01 ^= d1; a06 ^= d1; a11 ^= d1; a16 ^= d1; a21 ^= d1;
            a02 ^= d2; a07 ^= d2; a12 ^= d2; a17 ^= d2; a22 ^= d2;
            a03 ^= d3; a08 ^= d3; a13 ^= d3; a18 ^= d3; a23 ^= d3;
            a04 ^= d4; a09 ^= d4; a14 ^= d4; a19 ^= d4; a24 ^= d4;

            // ρ and π: each lane rotated by its offset into its new place, following π's one cycle through the 24 lanes.
            c1 = BitOperations.RotateLeft(a01, 1);
            a01 = BitOperations.RotateLeft(a06, 44);
            a06 = BitOperations.RotateLeft(a09, 20);
            a09 = BitOperations.RotateLeft(a22, 61);
            a22 = BitOperations.RotateLeft(a14, 39);
            a14 = BitOperations.RotateLeft(a20, 18);
            a20 = BitOperations.RotateLeft(a02, 62);
            a02 = BitOperations.RotateLeft(a12, 43);
            a12 = BitOperations.RotateLeft(a13, 25);
            a13 = BitOperations.RotateLeft(a19, 8);
            a19 = BitOperations.RotateLeft(a23, 56);
            a23 = BitOperations.RotateLeft(a15, 41);
            a15 = BitOperations.RotateLeft(a04, 27);
            a04 = BitOperations.RotateLeft(a24, 14);
            a24 = BitOperations.RotateLeft(a21, 2);
            a21 = BitOperations.RotateLeft(a08, 55);
            a08 = BitOperations.RotateLeft(a16, 45);
            a16 = BitOperations.RotateLeft(a05, 36);
            a05 = BitOperations.RotateLeft(a03, 28);
            a03 = BitOperations.RotateLeft(a18, 21);
            a18 = BitOperations.RotateLeft(a17, 15);
            a17 = BitOperations.RotateLeft(a11, 10);
            a11 = BitOperations.RotateLeft(a07, 6);
            a07 = BitOperations.RotateLeft(a10, 3);
            a10 = c1;

            // χ, row by row
            c0 = a00 ^ (~a01 & a02); c1 = a01 ^ (~a02 & a03); a02 ^= ~a03 & a04; a03 ^= ~a04 & a00; a04 ^= ~a00 & a01; a00 = c0; a01 = c1;
            c0 = a05 ^ (~a06 & a07); c1 = a06 ^ (~a07 & a08); a07 ^= ~a08 & a09; a08 ^= ~a09 & a05; a09 ^= ~a05 & a06; a05 = c0; a06 = c1;
            c0 = a10 ^ (~a11 & a12); c1 = a11 ^ (~a12 & a13); a12 ^= ~a13 & a14; a13 ^= ~a14 & a10; a14 ^= ~a10 & a11; a10 = c0; a11 = c1;
            c0 = a15 ^ (~a16 & a17); c1 = a16 ^ (~a17 & a18); a17 ^= ~a18 & a19; a18 ^= ~a19 & a15; a19 ^= ~a15 & a16; a15 = c0; a16 = c1;
            c0 = a20 ^ (~a21 & a22); c1 = a21 ^ (~a22 & a23); a22 ^= ~a23 & a24; a23 ^= ~a24 & a20; a24 ^= ~a20 & a21; a20 = c0; a21 = c1;

            // ι
            a00 ^= roundConstant;
        }
        state[0] = a00; state[1] = a01; state[2] = a02; state[3] = a03; state[4] = a04;
        state[5] = a05; state[6] = a06; state[7] = a07; state[8] = a08; state[9] = a09;
        state[10] = a10; state[11] = a11; state[12] = a12; state[13] = a13; state[14] = a14;
        state[15] = a15; state[16] = a16; state[17] = a17; state[18] = a18; state[19] = a19;
        state[20] = a20; state[21] = a21; state[22] = a22; state[23] = a23; state[24] = a24;
    }
}

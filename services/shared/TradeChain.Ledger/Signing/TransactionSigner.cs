using System.Numerics;
using NBitcoin.Secp256k1;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Model;
using Nethereum.Util;

namespace TradeChain.Ledger;

/// <summary>An EIP-1559 transaction signed by <see cref="TransactionSigner"/>: its hash and its raw bytes (0x-prefixed hex).</summary>
public sealed record SignedTransaction(string Hash, BigInteger Nonce, string Raw);

/// <summary>
/// Signs EIP-1559 transactions for one account with libsecp256k1's C# port (NBitcoin.Secp256k1): the private key is
/// parsed and the public key (the address) derived once, and a signature is one RFC 6979 recoverable signing — no
/// public key recovered per signature, as Nethereum's BouncyCastle signer does to find the recovery id. The bytes are
/// Nethereum's own encoding (<see cref="Transaction1559"/>), the same a <c>Transaction1559Signer</c> produces.
/// </summary>
public sealed class TransactionSigner : IChainSigner
{
    private static readonly List<AccessListItem> NoAccessList = [];
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");
    private readonly ECPrivKey _key;

    public TransactionSigner(string privateKeyHex, BigInteger chainId)
    {
        // Checked before parsing: a parser's error would quote the text — the key — into a log.
        var hex = privateKeyHex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? privateKeyHex.AsSpan(2) : privateKeyHex.AsSpan();
        if (hex.Length != 64 || hex.ContainsAnyExcept(HexDigits))
            throw new ArgumentException("A chain signing key is 32 bytes: 64 hex digits, optionally after 0x.", nameof(privateKeyHex));
        var secret = privateKeyHex.HexToByteArray();
        if (secret.Length != 32 || !ECPrivKey.TryCreate(secret, out var key) || key is null)
            throw new ArgumentException("A chain signing key is 32 bytes (64 hex digits) and a valid secp256k1 scalar.", nameof(privateKeyHex));
        _key = key;
        ChainId = chainId;
        Span<byte> publicKey = stackalloc byte[65];
        _key.CreatePubKey().WriteToSpan(compressed: false, publicKey, out _);
        var hash = Sha3Keccack.Current.CalculateHash(publicKey[1..].ToArray());
        Address = AddressUtil.Current.ConvertToChecksumAddress(hash[12..].ToHex());
    }

    public BigInteger ChainId { get; }

    /// <summary>The account's address (checksummed), derived once from the key.</summary>
    public string Address { get; }

    public string Description => "a key held by this service";

    public Task<SignedTransaction> SignAsync(UnsignedTransaction transaction, CancellationToken cancellationToken)
    {
        if (transaction.ChainId != ChainId) throw new ArgumentException($"This key signs for chain {ChainId}, not {transaction.ChainId}.", nameof(transaction));
        return Task.FromResult(Sign(transaction.Nonce, transaction.MaxPriorityFeePerGas, transaction.MaxFeePerGas, transaction.GasLimit, transaction.To,
            transaction.Value, transaction.Data));
    }

    /// <summary>Signs a call (or a value transfer: empty <paramref name="data"/>) to <paramref name="to"/>.</summary>
    public SignedTransaction Sign(BigInteger nonce, BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas, BigInteger gasLimit,
        string to, BigInteger value, string? data)
    {
        var transaction = new Transaction1559(ChainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data ?? "0x", NoAccessList);
        var signingHash = Sha3Keccack.Current.CalculateHash(transaction.GetRLPEncodedRaw());
        if (!_key.TrySignRecoverable(signingHash, out var signature) || signature is null)
            throw new InvalidOperationException("secp256k1 signing failed");
        signature.Deconstruct(out var r, out var s, out var recoveryId);
        // The y parity as the typed-transaction encoding wants it, and r and s as unsigned big-endian integers (no leading zeros), as Nethereum's signer sets them.
        transaction.SetSignature(new Signature(Unsigned(r.ToBytes()), Unsigned(s.ToBytes()), [(byte)recoveryId]));
        var raw = transaction.GetRLPEncoded();
        return new SignedTransaction(Sha3Keccack.Current.CalculateHash(raw).ToHex(true), nonce, raw.ToHex(true));
    }

    private static byte[] Unsigned(byte[] bigEndian)
    {
        var leadingZeros = 0;
        while (leadingZeros < bigEndian.Length - 1 && bigEndian[leadingZeros] == 0) leadingZeros++;
        return bigEndian[leadingZeros..];
    }
}

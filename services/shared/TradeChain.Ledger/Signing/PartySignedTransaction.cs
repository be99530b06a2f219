using System.Numerics;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Model;
using Nethereum.Signer;
using Nethereum.Util;

namespace TradeChain.Ledger;

/// <summary>
/// A transaction a party signed itself that is not the one it was asked to sign (or not signed by it). The message
/// continues "The signed transaction …" (or "The sent transaction …", <see cref="Field"/> sentTransaction).
/// </summary>
public sealed class PartySignatureException(string message, Exception? inner = null, string field = PartySignatureException.Signed, string? rule = null)
    : Exception(message, inner)
{
    /// <summary>The rule of a sent transaction's hash the chain node does not know (yet): the wallet may still be sending it.</summary>
    public const string UnknownRule = "transaction-unknown";


    /// <summary>The request field of a transaction the party signed and gives to TradeChain to send.</summary>
    public const string Signed = "signedTransaction";

    /// <summary>The request field of a transaction the party's wallet signed and sent itself (its hash).</summary>
    public const string Sent = "sentTransaction";

    /// <summary>The request field the problem names.</summary>
    public string Field { get; } = field;

    /// <summary>Whether the problem is about a transaction the party's wallet sent (its hash, in the body or the <c>Sent-Transaction</c> header).</summary>
    private bool IsSent => Field is Sent or PartySignatures.SentHeader;

    /// <summary>How the problem's detail begins: "The signed transaction" or "The sent transaction".</summary>
    public string Subject => IsSent ? "The sent transaction" : "The signed transaction";

    /// <summary>The rule the problem names: <see cref="UnknownRule"/>, or sent-transaction / signed-transaction by the field.</summary>
    public string Rule { get; } = rule ?? (field is Sent or PartySignatures.SentHeader ? "sent-transaction" : "signed-transaction");
}

/// <summary>
/// A signed EIP-1559 transaction, decoded: what it does and who signed it. Everything a service sends for a party that
/// signed elsewhere (a remote signer, or the party itself through the API) is decoded and compared with what was asked
/// for before it goes to the chain: nobody can make a service relay a different call in a party's name.
/// </summary>
public sealed record DecodedTransaction(Transaction1559 Transaction, string Signer, string Raw)
{
    /// <summary>The largest raw transaction accepted (a settlement call is a few hundred bytes).</summary>
    public const int MaxRawLength = 16_384;

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    public string Hash => Sha3Keccack.Current.CalculateHash(Raw.HexToByteArray()).ToHex(true);

    /// <param name="maxLength">The longest accepted: <see cref="MaxRawLength"/> for what a party sends; a signer's answer to a
    /// transaction asked of it may be as long as that transaction (a bank's batch of transfers is many kilobytes).</param>
    /// <exception cref="PartySignatureException">Not a signed EIP-1559 transaction.</exception>
    public static DecodedTransaction Decode(string raw, int maxLength = MaxRawLength)
    {
        if (string.IsNullOrEmpty(raw) || raw.Length > maxLength || !raw.StartsWith("0x", StringComparison.Ordinal) || raw.Length % 2 != 0 ||
            raw.AsSpan(2).ContainsAnyExcept(HexDigits))
            throw new PartySignatureException($"must be a signed transaction: 0x and an even number of hex digits, at most {maxLength} characters.");
        try
        {
            var transaction = TransactionFactory.CreateTransaction(raw) as Transaction1559
                              ?? throw new PartySignatureException("must be an EIP-1559 (type 2) transaction, as prepared.");
            return new DecodedTransaction(transaction, SignerOf(transaction), raw);
        }
        catch (Exception e) when (e is not PartySignatureException)
        {
            throw new PartySignatureException("is not a signed transaction that can be decoded (RLP of a signed EIP-1559 transaction).", e);
        }
    }

    /// <summary>
    /// The address that signed <paramref name="transaction"/> (checksummed): the public key recovered from its signature
    /// over its signing hash (Keccak-256 of the unsigned typed encoding) with libsecp256k1's C# port (NBitcoin.Secp256k1),
    /// as <see cref="TransactionSigner"/> signs — the same address Nethereum's BouncyCastle recovery gives, for a fraction
    /// of the CPU (a service checks every transaction a remote signer answers).
    /// </summary>
    /// <exception cref="PartySignatureException">Unsigned, or a signature no public key answers to.</exception>
    public static string SignerOf(Transaction1559 transaction)
    {
        var signature = transaction.Signature ?? throw new PartySignatureException("is not signed.");
        // y parity: 0 or 1, encoded as the integer it is (0 may come as no byte at all).
        var v = signature.V ?? [];
        var parity = v.Length == 0 ? 0 : v[^1];
        if (v.AsSpan(0, Math.Max(0, v.Length - 1)).ContainsAnyExcept((byte)0) || parity > 1)
            throw new PartySignatureException("has a signature whose y parity is neither 0 nor 1.");
        Span<byte> compact = stackalloc byte[64];
        if (!Unsigned256(signature.R, compact[..32]) || !Unsigned256(signature.S, compact[32..]) ||
            !NBitcoin.Secp256k1.SecpRecoverableECDSASignature.TryCreateFromCompact(compact, parity, out var recoverable) || recoverable is null)
            throw new PartySignatureException("has a signature whose r or s is not a secp256k1 scalar.");
        // EIP-2: s at most half the group order. The other s (n − s, the parity flipped) names the same signer under another
        // transaction hash, and the chain refuses it: refused here, not at sending.
        if (compact[32..].SequenceCompareTo(HalfOrder) > 0)
            throw new PartySignatureException("has a signature whose s is above half the secp256k1 order (EIP-2): sign it again.");
        var signingHash = Sha3Keccack.Current.CalculateHash(transaction.GetRLPEncodedRaw());
        if (!NBitcoin.Secp256k1.ECPubKey.TryRecover(NBitcoin.Secp256k1.Context.Instance, recoverable, signingHash, out var publicKey) || publicKey is null)
            throw new PartySignatureException("has a signature from which no public key can be recovered.");
        Span<byte> uncompressed = stackalloc byte[65];
        publicKey.WriteToSpan(compressed: false, uncompressed, out _);
        return AddressUtil.Current.ConvertToChecksumAddress(Sha3Keccack.Current.CalculateHash(uncompressed[1..].ToArray())[12..].ToHex());
    }

    /// <summary>Half the secp256k1 group order, big-endian: the largest s EIP-2 admits.</summary>
    private static ReadOnlySpan<byte> HalfOrder => Convert.FromHexString("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0");

    /// <summary>An unsigned big-endian integer of at most 32 bytes (leading zeros allowed) into <paramref name="into"/>, left-padded.</summary>
    private static bool Unsigned256(byte[]? value, Span<byte> into)
    {
        var bytes = (value ?? []).AsSpan();
        while (bytes.Length > 32 && bytes[0] == 0) bytes = bytes[1..];
        if (bytes.Length > 32) return false;
        into.Clear();
        bytes.CopyTo(into[(32 - bytes.Length)..]);
        return true;
    }

    /// <summary>
    /// What differs from <paramref name="expected"/>: always the call (chain, recipient, value, data); with
    /// <paramref name="sameEnvelope"/> also the nonce, fees and gas limit (a remote signer must sign exactly what it was given).
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(UnsignedTransaction expected, bool sameEnvelope)
    {
        var differences = new List<string>();
        if (Transaction.ChainId != expected.ChainId) differences.Add("chain id");
        if (sameEnvelope && Transaction.Nonce != expected.Nonce) differences.Add("nonce");
        if (sameEnvelope && (Transaction.MaxFeePerGas != expected.MaxFeePerGas || Transaction.MaxPriorityFeePerGas != expected.MaxPriorityFeePerGas)) differences.Add("fees");
        if (sameEnvelope && Transaction.GasLimit != expected.GasLimit) differences.Add("gas limit");
        if (!string.Equals(Transaction.ReceiverAddress, expected.To, StringComparison.OrdinalIgnoreCase)) differences.Add("recipient");
        if ((Transaction.Amount ?? BigInteger.Zero) != expected.Value) differences.Add("value");
        if (!string.Equals(Bare(Transaction.Data), Bare(expected.Data), StringComparison.OrdinalIgnoreCase)) differences.Add("data");
        return differences;
    }

    public SignedTransaction Signed() => new(Hash, Transaction.Nonce ?? BigInteger.Zero, Raw);

    private static string Bare(string? data) => string.IsNullOrEmpty(data) || data == "0x" ? "" : data.StartsWith("0x", StringComparison.Ordinal) ? data[2..] : data;
}

/// <summary>
/// The signer of one transaction a party signed itself and sent through the API: asked to sign a call, it hands over
/// the party's transaction if it is that call (chain, recipient, value, data) signed by the party's account, with the
/// party's own nonce, fees and gas. The chain writer then sends and tracks it as any other.
/// </summary>
public sealed class PresignedSigner : IChainSigner
{
    private readonly DecodedTransaction _signed;

    /// <exception cref="PartySignatureException">Not decodable, or not signed by <paramref name="address"/>.</exception>
    public PresignedSigner(string raw, string address, string party)
    {
        _signed = DecodedTransaction.Decode(raw);
        Address = AddressUtil.Current.ConvertToChecksumAddress(address);
        if (!string.Equals(_signed.Signer, Address, StringComparison.OrdinalIgnoreCase))
            throw new PartySignatureException($"is signed by {_signed.Signer}, not by {party}'s account {Address}.");
    }

    public string Address { get; }

    /// <summary>The hash of the party's transaction.</summary>
    public string Hash => _signed.Hash;

    public string Description => "the party itself (a transaction it signed)";

    /// <summary>
    /// The latest moment the transaction may be handed to the node (checked under the account's nonce lane, just before the
    /// send); null: no limit. Whoever claimed the right to send it sets this inside its claim's lease, so that a sender
    /// stalled past it (a slow node, a long pause) sends nothing rather than after its claim was given back.
    /// </summary>
    public DateTimeOffset? SendBy { get; init; }

    /// <summary>The clock <see cref="SendBy"/> is read on.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <exception cref="PartySignatureException">The party's transaction is another call than <paramref name="transaction"/>.</exception>
    /// <exception cref="SendDeadlinePassedException"><see cref="SendBy"/> has passed: nothing may be sent.</exception>
    public Task<SignedTransaction> SignAsync(UnsignedTransaction transaction, CancellationToken cancellationToken)
    {
        var signed = Check(transaction);
        if (SendBy is { } by && Clock.GetUtcNow() > by) throw new SendDeadlinePassedException(Hash, by);
        return Task.FromResult(signed);
    }

    /// <summary>The party's transaction, if it is the call of <paramref name="transaction"/> (its nonce, fees and gas are the party's).</summary>
    /// <exception cref="PartySignatureException">Another call.</exception>
    public SignedTransaction Check(UnsignedTransaction transaction)
    {
        var differences = _signed.DifferencesFrom(transaction, sameEnvelope: false);
        if (differences.Count > 0)
            throw new PartySignatureException($"is not the transaction of this step ({string.Join(", ", differences)} differ): ask for it again and sign it unchanged.");
        return _signed.Signed();
    }
}

/// <summary>A party's own transaction was not sent: the moment it had to be sent by (<see cref="PresignedSigner.SendBy"/>) had passed.</summary>
public sealed class SendDeadlinePassedException(string hash, DateTimeOffset sendBy)
    : Exception($"transaction {hash} was not sent: it had to reach the node by {sendBy:u} (its submission's claim), and the sender got there later")
{
    public string Hash { get; } = hash;
}

/// <summary>
/// A step needs the signature of a party that signs itself (<see cref="PartyAccountOptions.SelfSigned"/>): nothing was sent.
/// <see cref="Transaction"/> is what to sign, unchanged; the same request sent again with it signed (header
/// <see cref="PartySignatures.Header"/>) takes the step — or, from a wallet that signs only by sending, with the hash of the
/// transaction it sent (header <see cref="PartySignatures.SentHeader"/>).
/// </summary>
public sealed class PartySignatureRequiredException(string party, string address, UnsignedTransaction transaction)
    : Exception($"This step is a chain transaction of {party}, which signs its own transactions: sign the transaction given here unchanged with {party}'s key " +
                $"(tradechain sign, or your signer) and send the same request again with the signed transaction in the {PartySignatures.Header} header " +
                $"(a wallet that signs only by sending: send it from {party}'s account, then the same request with its hash in the {PartySignatures.SentHeader} header).")
{
    public string Party { get; } = party;

    public string Address { get; } = address;

    public UnsignedTransaction Transaction { get; } = transaction;
}

/// <summary>
/// The transaction a party signed itself for the request being handled (from the <see cref="Header"/> header), or the hash
/// of the one its wallet signed and sent itself (the <see cref="SentHeader"/> header) — one of the two, for the calling
/// party only: a flow-local value, so the party's <see cref="SelfSigner"/> finds it however deep the step is.
/// </summary>
public static class PartySignatures
{
    public const string Header = "Signed-Transaction";

    /// <summary>The header holding the hash of the step's transaction the party's wallet sent itself.</summary>
    public const string SentHeader = "Sent-Transaction";

    private static readonly AsyncLocal<(string Party, string? Raw, string? SentHash)?> Current = new();

    /// <summary>Makes <paramref name="raw"/> the signed transaction of <paramref name="party"/> for the rest of this flow.</summary>
    public static void Use(string party, string raw) => Current.Value = (party, raw, null);

    /// <summary>Makes <paramref name="hash"/> the transaction <paramref name="party"/>'s wallet sent for this step, for the rest of this flow.</summary>
    public static void UseSent(string party, string hash) => Current.Value = (party, null, hash);

    /// <summary>The signed transaction <paramref name="party"/> sent with this request, if any.</summary>
    public static string? Of(string party) => Current.Value is { } signed && signed.Party == party ? signed.Raw : null;

    /// <summary>The hash of the transaction <paramref name="party"/>'s wallet sent itself for this request, if any.</summary>
    public static string? SentOf(string party) => Current.Value is { } sent && sent.Party == party ? sent.SentHash : null;
}

/// <summary>
/// The signer of a party that signs itself: it holds no key. Asked to sign, it takes the transaction the party signed for
/// this request (<see cref="PartySignatures"/>) if it is exactly this call signed by the party's account; with none, it stops
/// the step with <see cref="PartySignatureRequiredException"/> carrying the transaction to sign. A transaction the party's
/// wallet sent itself for the request (<see cref="SentHash"/>) is not signed here at all: the chain writer adopts it.
/// </summary>
public sealed class SelfSigner(string party, string address) : IChainSigner
{
    public string Party { get; } = party;

    public string Address { get; } = AddressUtil.Current.ConvertToChecksumAddress(address);

    public string Description => $"{Party} itself";

    /// <summary>The hash of the transaction the party's wallet sent itself for the request being handled, if any.</summary>
    public string? SentHash => PartySignatures.SentOf(Party);

    public Task<SignedTransaction> SignAsync(UnsignedTransaction transaction, CancellationToken cancellationToken) =>
        PartySignatures.Of(Party) is { } raw
            ? Task.FromResult(new PresignedSigner(raw, Address, Party).Check(transaction))
            : throw new PartySignatureRequiredException(Party, Address, transaction);
}

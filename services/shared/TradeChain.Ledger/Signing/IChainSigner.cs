using System.Numerics;

namespace TradeChain.Ledger;

/// <summary>An EIP-1559 transaction to be signed: what the chain writer decided (nonce, fees, gas) and the call itself.</summary>
public sealed record UnsignedTransaction(BigInteger ChainId, BigInteger Nonce, BigInteger MaxPriorityFeePerGas, BigInteger MaxFeePerGas, BigInteger GasLimit,
    string To, BigInteger Value, string? Data);

/// <summary>
/// An unsigned EIP-1559 transaction as a party is given it to sign: <c>eth_signTransaction</c>'s parameter (hex quantities),
/// so a wallet, a remote signer or <c>tradechain sign</c> signs it as is; <see cref="Description"/> says what it does.
/// </summary>
public sealed record SigningRequest(string From, string To, string Data, string Value, string Nonce, string Gas, string MaxFeePerGas,
    string MaxPriorityFeePerGas, string ChainId, string Type, string Description)
{
    public static SigningRequest Of(UnsignedTransaction t, string from, string description) =>
        new(from, t.To, t.Data ?? "0x", Quantity(t.Value), Quantity(t.Nonce), Quantity(t.GasLimit), Quantity(t.MaxFeePerGas),
            Quantity(t.MaxPriorityFeePerGas), Quantity(t.ChainId), "0x2", description);

    /// <summary>The transaction itself again, as the chain writer had it (for checking what a party signed against it).</summary>
    public UnsignedTransaction ToUnsigned() =>
        new(Parse(ChainId), Parse(Nonce), Parse(MaxPriorityFeePerGas), Parse(MaxFeePerGas), Parse(Gas), To, Parse(Value), Data == "0x" ? null : Data);

    private static BigInteger Parse(string quantity) =>
        BigInteger.Parse("0" + quantity.AsSpan(quantity.StartsWith("0x", StringComparison.Ordinal) ? 2 : 0).ToString(), System.Globalization.NumberStyles.HexNumber);

    /// <summary>A JSON-RPC quantity: 0x and hex digits without leading zeros.</summary>
    public static string Quantity(BigInteger value) => "0x" + (value.IsZero ? "0" : value.ToString("x").TrimStart('0'));
}

/// <summary>
/// "Sign this transaction as this account." Where the key lives is configuration: in this process for the public
/// development keys (<see cref="TransactionSigner"/>, Development only), or with the party itself behind a remote signer
/// (<see cref="RemoteSigner"/>: Ethereum JSON-RPC <c>eth_signTransaction</c>, as Consensys Web3Signer and any node holding
/// the account answer). The chain writer assigns nonces and fees, asks for the signature, checks what came back, and sends.
/// </summary>
public interface IChainSigner
{
    /// <summary>The account's address (checksummed).</summary>
    string Address { get; }

    /// <summary>Where the key is held, for logs and errors ("local key", "remote signer https://…"); never the key.</summary>
    string Description { get; }

    Task<SignedTransaction> SignAsync(UnsignedTransaction transaction, CancellationToken cancellationToken);
}

using System.Numerics;

namespace TradeChain.Ledger;

/// <summary>An EIP-1559 transaction to be signed: what the chain writer decided (nonce, fees, gas) and the call itself.</summary>
public sealed record UnsignedTransaction(BigInteger ChainId, BigInteger Nonce, BigInteger MaxPriorityFeePerGas, BigInteger MaxFeePerGas, BigInteger GasLimit,
    string To, BigInteger Value, string? Data);

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

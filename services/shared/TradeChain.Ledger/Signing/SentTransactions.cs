using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using TradeChain.Domain;

namespace TradeChain.Ledger;

/// <summary>
/// The call a party was asked to sign: from its account (<paramref name="Account"/>) to the contract <paramref name="To"/>
/// with this value and call data. <paramref name="What"/> names it in a refusal ("this payment's transfer").
/// </summary>
public sealed record PartyCall(string Party, string Account, string To, BigInteger Value, string Data, string What);

/// <summary>
/// A transaction a party sent itself, as the node has it: its call (and, for a typed transaction, its chain id), its nonce,
/// and once mined its block and whether it succeeded.
/// </summary>
public sealed record SentTransaction(string Hash, string From, string? To, string Input, BigInteger Value, long? BlockNumber, bool Succeeded,
    BigInteger Nonce = default, BigInteger? ChainId = null)
{
    /// <summary>The transaction <paramref name="hash"/> as <paramref name="web3"/>'s node has it; null when the node does not know it.</summary>
    public static async Task<SentTransaction?> FetchAsync(IWeb3 web3, string hash)
    {
        var t = await web3.Client.SendRequestAsync<WithChainId>("eth_getTransactionByHash", null, hash);
        if (t is null) return null;
        var receipt = t.BlockHash is null ? null : await web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
        return new SentTransaction(t.TransactionHash, t.From, t.To, t.Input ?? "0x", t.Value?.Value ?? BigInteger.Zero,
            receipt is null ? null : (long)receipt.BlockNumber.Value, receipt?.Status?.Value == BigInteger.One, t.Nonce?.Value ?? BigInteger.Zero, t.ChainId?.Value);
    }

    /// <summary>The node's transaction with the chain id a typed (or EIP-155) transaction carries, which Nethereum's DTO leaves out.</summary>
    private sealed class WithChainId : Transaction
    {
        [Newtonsoft.Json.JsonProperty("chainId")]
        public Nethereum.Hex.HexTypes.HexBigInteger? ChainId { get; set; }
    }
}

/// <summary>
/// The one check of a transaction a party's wallet signed and sent itself (browser wallets such as MetaMask sign only by
/// sending) before TradeChain takes it for a step: known to the node, sent by the party's account, and exactly the step's
/// call — chain, recipient, value and data; its nonce, fees and gas are the wallet's.
/// </summary>
public static class SentTransactions
{
    /// <summary>The longest hash accepted: 0x and 64 hex digits.</summary>
    public const int HashLength = 66;

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Whether <paramref name="hash"/> has a transaction hash's form: 0x and 64 hex digits.</summary>
    public static bool IsHash(string hash) =>
        hash.Length == HashLength && hash.StartsWith("0x", StringComparison.Ordinal) && !hash.AsSpan(2).ContainsAnyExcept(HexDigits);

    /// <summary>The answer while a party's transaction <paramref name="hash"/> waits in the node to be mined: nothing is recorded until it is.</summary>
    public static DomainRuleViolation Pending(string hash) =>
        new("transaction-pending", $"Transaction {hash} was sent and waits to be mined: nothing is recorded until it is. Ask again in a moment.");

    /// <summary>
    /// <paramref name="sent"/> (what the node has of <paramref name="hash"/>), if it is exactly <paramref name="call"/> on chain
    /// <paramref name="chainId"/> from the party's account.
    /// </summary>
    /// <param name="field">The request field or header the refusal names (<see cref="PartySignatureException.Sent"/>, <see cref="PartySignatures.SentHeader"/>).</param>
    /// <exception cref="PartySignatureException">Unknown to the node (<see cref="PartySignatureException.UnknownRule"/>), sent by another account, or another call (naming what differs).</exception>
    public static SentTransaction Check(SentTransaction? sent, string hash, PartyCall call, long chainId, string field = PartySignatureException.Sent)
    {
        if (sent is null)
            throw new PartySignatureException($"{hash} is not known to the chain node: send the transaction from your wallet first, then give its hash.",
                field: field, rule: PartySignatureException.UnknownRule);
        if (!SettlementClient.SameAddress(sent.From, call.Account))
            throw new PartySignatureException($"{hash} was sent by {sent.From}, not by {call.Party}'s account {call.Account}: send it from that account.", field: field);
        var differences = new List<string>();
        if (sent.ChainId is { } chain && chain != chainId) differences.Add("chain id");
        if (!SettlementClient.SameAddress(sent.To ?? "", call.To)) differences.Add("recipient");
        if (sent.Value != call.Value) differences.Add("value");
        if (!string.Equals(Bare(sent.Input), Bare(call.Data), StringComparison.OrdinalIgnoreCase)) differences.Add("data");
        if (differences.Count > 0)
            throw new PartySignatureException($"{hash} is not {call.What} ({string.Join(", ", differences)} differ): send exactly the transaction prepared for it.",
                field: field);
        return sent;
    }

    private static string Bare(string? data) => string.IsNullOrEmpty(data) || data == "0x" ? "" : data.StartsWith("0x", StringComparison.Ordinal) ? data[2..] : data;
}

using System.Numerics;
using TradeChain.Domain;
using TradeChain.Ledger;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// What the chain has of a transaction a party signed itself and gave TradeChain to send, before it is sent: mined and
/// succeeded (<see cref="Mined"/>: the step is made), waiting in the node (<see cref="Pending"/>), or gone stale
/// (<see cref="Stale"/>, why: its nonce used meanwhile, or mined and refused) — else new, to be sent.
/// </summary>
public sealed record SignedOnChain(ChainReceipt? Mined, bool Pending, string? Stale);

/// <summary>
/// One policy for a transaction a party signed itself — a bank settling a duty with its own signature or its own wallet,
/// a party answering a pending signature — whichever step it completes:
/// <list type="bullet">
/// <item>sent by the party's wallet (its hash, <see cref="SentAsync"/>): taken once mined and succeeded, only if it is exactly
/// the call asked for from the party's account — 400 naming <c>sentTransaction</c> otherwise (<c>transaction-unknown</c>
/// while the node has not seen it), 409 <c>transaction-pending</c> until mined, 409 <c>transaction-reverted</c> when the
/// contract refused it;</item>
/// <item>signed for TradeChain to send (<see cref="SignedAsync"/>, its call checked already by <see cref="PresignedSigner"/>):
/// mined already, waiting in the node, or stale — 409 <see cref="StaleRule"/>: nothing is sent, the party signs a
/// transaction prepared again.</item>
/// </list>
/// </summary>
public static class PartyTransactions
{
    /// <summary>The rule of a signed transaction that cannot be sent as it is (its nonce used, or refused): sign a new one.</summary>
    public const string StaleRule = "signed-transaction-stale";

    /// <summary>The refusal of a signed transaction gone stale (<paramref name="why"/>), for a step that answers it as such.</summary>
    public static DomainRuleViolation Stale(string why) =>
        new(StaleRule, $"The signed transaction went stale ({why}): nothing moved. Prepare the transaction again and sign the new one.");

    /// <summary>The answer while a party's transaction <paramref name="hash"/> waits in the node to be mined (<see cref="SentTransactions.Pending"/>).</summary>
    public static DomainRuleViolation Pending(string hash) => SentTransactions.Pending(hash);

    /// <summary>
    /// The mined receipt of transaction <paramref name="hash"/>, which the party's wallet sent itself: exactly
    /// <paramref name="call"/>, from the party's account, mined and succeeded.
    /// </summary>
    /// <param name="madeBefore">
    /// For a mined transaction the contract refused: the transfer an earlier copy of it made, if any (a wallet that sent the
    /// same call twice, the second refused as a used reference) — then that is the answer.
    /// </param>
    /// <exception cref="PartySignatureException">(sentTransaction) unknown to the chain, sent by another account, or another call.</exception>
    /// <exception cref="DomainRuleViolation">transaction-pending while it waits to be mined; transaction-reverted when the contract refused it.</exception>
    public static async Task<ChainReceipt> SentAsync(SettlementClient chain, string hash, PartyCall call, Func<Task<ChainReceipt?>>? madeBefore = null)
    {
        // The checks of every sent transaction, the header steps' too (ChainWriter adopts those): known, the party's, exactly the call.
        var sent = SentTransactions.Check(await chain.SentTransactionAsync(hash), hash, call, chain.ChainId);
        if (sent.BlockNumber is not { } block) throw Pending(hash);
        if (sent.Succeeded) return new ChainReceipt(sent.Hash, block, 0);
        if (madeBefore is not null && await madeBefore() is { } made) return made;
        throw new DomainRuleViolation("transaction-reverted",
            $"Transaction {hash} was refused by the contract in block {block}: nothing moved. Sign {call.What} again and send it.");
    }

    /// <summary>
    /// What the chain has of the transaction <paramref name="hash"/> that <paramref name="party"/>'s account
    /// (<paramref name="account"/>) signed on <paramref name="nonce"/>, before TradeChain sends it (see <see cref="SignedOnChain"/>).
    /// Stale when the node does not hold it waiting and its nonce is not the account's next: the node would refuse it, or
    /// hold it back for ever behind a gap.
    /// </summary>
    public static async Task<SignedOnChain> SignedAsync(SettlementClient chain, string party, string account, string hash, BigInteger nonce)
    {
        var known = await chain.SentTransactionAsync(hash);
        if (known is { BlockNumber: { } block, Succeeded: true }) return new SignedOnChain(new ChainReceipt(known.Hash, block, 0), Pending: false, Stale: null);
        if (known is { BlockNumber: null }) return new SignedOnChain(null, Pending: true, Stale: null);
        if (known is { BlockNumber: { } refusedIn }) return new SignedOnChain(null, Pending: false, $"it was mined in block {refusedIn} but refused by the contract");
        var next = await chain.NextNonceAsync(account);
        return nonce == next
            ? new SignedOnChain(null, Pending: false, Stale: null)
            : new SignedOnChain(null, Pending: false, $"it has nonce {nonce}, but {party}'s account is at nonce {next}; nothing of it was sent");
    }
}

using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger.Contracts.TransitionAnchor;

namespace TradeChain.Ledger;

/// <summary>A root as the TransitionAnchor contract records it.</summary>
public sealed record AnchorRecord(string Submitter, long BlockNumber, int TransitionCount);

/// <summary>Writes and reads Merkle roots of transition batches on the TransitionAnchor contract.</summary>
public sealed class TransitionAnchorClient(ChainWriter writer, ChainOptions options)
{
    public string ContractAddress => options.TransitionAnchorAddress;

    /// <summary>
    /// The gas limit of an anchor transaction, given instead of estimated: anchoring costs the same whatever the root and
    /// count (one new record, a counter, an event: about 54,000 gas measured; 71,000 for a contract's first, whose counter is
    /// written the first time), so the estimate — an RPC call and the node
    /// running the call before it runs it again in its block — buys nothing. A refusal (a root anchored before) is then a
    /// mined revert, named by an estimate afterwards.
    /// </summary>
    public const long AnchorGas = 100_000;

    /// <summary>Anchors <paramref name="root"/>. If the root is already on chain (a retry after a crash), returns the original anchoring.</summary>
    public async Task<ChainReceipt> AnchorAsync(byte[] root, int transitionCount, CancellationToken cancellationToken)
    {
        // No read before the write: the contract refuses a known root, and only that rare case pays for the lookup.
        try
        {
            return await writer.SendAsync(ContractAddress,
                new AnchorFunction { Root = root, TransitionCount = transitionCount, Gas = AnchorGas }, cancellationToken);
        }
        catch (ChainRevertedException e) when (e.Is<RootAlreadyAnchoredError>())
        {
            return await FindAnchoringAsync(root, (await GetAsync(root))!);
        }
    }

    /// <summary>The anchoring of <paramref name="root"/>, or null if the chain does not know it.</summary>
    public async Task<AnchorRecord?> GetAsync(byte[] root)
    {
        var output = await writer.QueryOutputAsync<AnchorOfFunction, AnchorOfOutputDTO>(ContractAddress, new AnchorOfFunction { Root = root });
        return output.BlockNumber == 0
            ? null
            : new AnchorRecord(output.Submitter, (long)output.BlockNumber, (int)output.TransitionCount);
    }

    private async Task<ChainReceipt> FindAnchoringAsync(byte[] root, AnchorRecord record) =>
        new(await TransactionOfAsync(root, record) ?? "", record.BlockNumber, 0);

    /// <summary>The transaction that anchored <paramref name="root"/> (null if its event is not found in the anchoring block).</summary>
    public async Task<string?> TransactionOfAsync(byte[] root, AnchorRecord record)
    {
        var anchored = writer.Web3.Eth.GetEvent<TransitionsAnchoredEventDTO>(ContractAddress);
        // The anchoring block is known: read its TransitionsAnchored events and pick this root's.
        var filter = anchored.CreateFilterInput(new BlockParameter((ulong)record.BlockNumber), new BlockParameter((ulong)record.BlockNumber));
        var logs = await anchored.GetAllChangesAsync(filter);
        return logs.FirstOrDefault(l => l.Event.Root.AsSpan().SequenceEqual(root))?.Log.TransactionHash;
    }
}

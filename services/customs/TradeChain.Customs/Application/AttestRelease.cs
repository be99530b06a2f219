using TradeChain.Ledger;
using TradeChain.Messages;

namespace TradeChain.Customs.Application;

/// <summary>
/// Customs attests a release of goods on every credit escrow, signed by its own account (CUSTOMS_ROLE): a documentary
/// credit that pays only after customs released the goods can then be settled. An attestation already made is not
/// repeated; while the chain is unreachable the bus retries.
/// </summary>
public sealed class AttestRelease(ChainWriter customs, ChainOptions chain, ILogger<AttestRelease> logger)
{
    /// <summary>The reference a credit names to wait for the release of a declaration's goods.</summary>
    public static byte[] Reference(Guid declarationId) => SettlementClient.Reference($"declaration:{declarationId}");

    public async Task HandleAsync(GoodsReleased message, CancellationToken ct)
    {
        if (chain.Settlement.Count == 0) return; // no escrows on this network
        var receipts = await new SettlementClient(customs, chain).AttestCustomsReleaseAsync(customs, Reference(message.DeclarationId), ct);
        logger.LogInformation("Release of declaration {DeclarationId} attested on {Count} escrow(s)", message.DeclarationId, receipts.Count);
    }
}

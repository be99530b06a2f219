using TradeChain.Customs.Infrastructure;
using TradeChain.Ledger;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>
/// Customs attests a release of goods on every credit escrow, signed by its own account (CUSTOMS_ROLE): a documentary
/// credit that pays only after customs released the goods can then be settled. Retried by the bus while the chain is
/// unreachable; an attestation already made is not repeated.
/// </summary>
public sealed class GoodsReleasedAttestor(CustomsDbContext db, ChainWriter customs, ChainOptions chain, ILogger<GoodsReleasedAttestor> logger)
    : IdempotentConsumer<GoodsReleased>(db, logger)
{
    /// <summary>The reference a credit names to wait for the release of a declaration's goods.</summary>
    public static byte[] Reference(Guid declarationId) => SettlementClient.Reference($"declaration:{declarationId}");

    protected override async Task HandleAsync(GoodsReleased message, CancellationToken cancellationToken)
    {
        if (chain.Settlement.Count == 0) return; // no escrows on this network
        var receipts = await new SettlementClient(customs, chain).AttestCustomsReleaseAsync(customs, Reference(message.DeclarationId), cancellationToken);
        logger.LogInformation("Release of declaration {DeclarationId} attested on {Count} escrow(s)", message.DeclarationId, receipts.Count);
    }
}

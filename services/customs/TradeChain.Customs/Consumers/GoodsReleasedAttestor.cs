using TradeChain.Customs.Application;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>Customs' own GoodsReleased, attested on the credit escrows once per message.</summary>
public sealed class GoodsReleasedAttestor(CustomsDbContext db, AttestRelease attest, ILogger<GoodsReleasedAttestor> logger)
    : IdempotentConsumer<GoodsReleased>(db, logger)
{
    protected override Task HandleAsync(GoodsReleased message, CancellationToken cancellationToken) => attest.HandleAsync(message, cancellationToken);
}

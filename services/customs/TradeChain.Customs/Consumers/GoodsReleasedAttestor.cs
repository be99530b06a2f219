using MassTransit;
using TradeChain.Customs.Application;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>
/// Customs' own GoodsReleased, attested on the credit escrows a window at a time: the releases wait in the broker's
/// durable queue, and those that arrive within <see cref="GoodsReleasedAttestorDefinition.Window"/> (at most
/// <see cref="GoodsReleasedAttestorDefinition.MaxMessages"/>) go to the chain as one transaction per escrow. Attesting is
/// idempotent on chain (a release attested before is skipped), so it needs no inbox: a window that failed is retried
/// whole, then each of its releases is redelivered on its own (<see cref="RedeliveryFilter{TMessage}"/>), and attesting
/// one again changes nothing.
/// </summary>
public sealed class GoodsReleasedAttestor(AttestRelease attest) : IConsumer<Batch<GoodsReleased>>
{
    public Task Consume(ConsumeContext<Batch<GoodsReleased>> context) =>
        attest.HandleAsync(context.Message.Select(m => m.Message.DeclarationId).ToList(), context.CancellationToken);
}

/// <summary>The attestor's window: up to 100 releases, collected for at most 200 ms from the first, one window at a time.</summary>
public sealed class GoodsReleasedAttestorDefinition() : BatchWindowDefinition<GoodsReleasedAttestor>(MaxMessages, Window)
{
    public const int MaxMessages = 100;
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200);
}

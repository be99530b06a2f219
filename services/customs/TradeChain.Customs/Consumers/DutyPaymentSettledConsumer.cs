using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>A bank settled duties: the declaration is paid (and released when its lane allows), or its supplementary duties are.</summary>
public sealed class DutyPaymentSettledConsumer(CustomsDbContext db, TimeProvider clock, ILogger<DutyPaymentSettledConsumer> logger)
    : IdempotentConsumer<DutyPaymentSettled>(db, logger)
{
    protected override async Task HandleAsync(DutyPaymentSettled message, CancellationToken cancellationToken)
    {
        var declaration = await db.Declarations.SingleOrDefaultAsync(d => d.Id == message.DeclarationId, cancellationToken);
        if (declaration is null)
        {
            logger.LogWarning("Payment {Reference} for unknown declaration {DeclarationId} ignored", message.PaymentReference, message.DeclarationId);
            return;
        }
        var expected = (declaration.Status, message.PaymentReference) switch
        {
            (DeclarationStatus.Assessed, var r) when r == declaration.PaymentReference => true,
            (DeclarationStatus.AwaitingSupplementaryPayment, var r) when r == declaration.SupplementaryPaymentReference => true,
            _ => false,
        };
        if (!expected)
        {
            // Already applied, or for a reference an amendment or cancellation withdrew: a refund is a bank matter.
            logger.LogWarning("Payment {Reference} does not settle declaration {DeclarationId} in status {Status}; not applied",
                message.PaymentReference, declaration.Id, declaration.Status);
            return;
        }
        declaration.RecordPayment(message.PaymentReference, message.Amount, message.Currency, message.SettledByBank,
            DocumentVerificationCompletedConsumer.Actor, clock.GetUtcNow());
    }
}

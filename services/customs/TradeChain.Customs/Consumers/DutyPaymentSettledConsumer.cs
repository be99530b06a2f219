using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>A bank settled the duties: the declaration is paid, and released when its lane allows.</summary>
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
        if (declaration.Status != DeclarationStatus.Assessed)
        {
            logger.LogInformation("Declaration {DeclarationId} is {Status}; payment {Reference} already applied", declaration.Id, declaration.Status, message.PaymentReference);
            return;
        }
        declaration.RecordPayment(message.PaymentReference, message.Amount, message.Currency, message.SettledByBank,
            DocumentVerificationCompletedConsumer.Actor, clock.GetUtcNow());
    }
}

using Microsoft.EntityFrameworkCore;
using TradeChain.Messages;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Payments.Consumers;

/// <summary>Customs withdrew a payment request (amendment or cancellation before payment): banks can no longer settle it.</summary>
public sealed class DutyPaymentWithdrawnConsumer(PaymentsDbContext db, TimeProvider clock, ILogger<DutyPaymentWithdrawnConsumer> logger)
    : IdempotentConsumer<DutyPaymentWithdrawn>(db, logger)
{
    protected override async Task HandleAsync(DutyPaymentWithdrawn message, CancellationToken cancellationToken)
    {
        var payment = await db.DutyPayments.SingleOrDefaultAsync(p => p.Reference == message.PaymentReference, cancellationToken);
        if (payment is null)
        {
            // The withdrawal overtook its request on the bus: record it, so the request is ignored when it comes.
            db.DutyPayments.Add(DutyPayment.WithdrawnBeforeRequest(message.PaymentReference, message.DeclarationId, message.Reason, "customs", clock.GetUtcNow()));
            return;
        }
        if (!payment.Withdraw(message.Reason, "customs", clock.GetUtcNow()))
            logger.LogWarning("Payment {Reference} is {Status}; withdrawal ({Reason}) not applied", payment.Reference, payment.Status, message.Reason);
    }
}

using Microsoft.EntityFrameworkCore;
using TradeChain.Messages;
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
            // The withdrawal overtook its request on the bus: fail so the bus retries it once the request has arrived.
            throw new InvalidOperationException($"Payment {message.PaymentReference} not yet known; retrying the withdrawal.");
        }
        if (!payment.Withdraw(message.Reason, "customs", clock.GetUtcNow()))
            logger.LogWarning("Payment {Reference} is {Status}; withdrawal ({Reason}) not applied", payment.Reference, payment.Status, message.Reason);
    }
}

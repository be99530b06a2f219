using Microsoft.EntityFrameworkCore;
using TradeChain.Messages;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Payments.Consumers;

/// <summary>Customs asked for duties: open a payment for a bank to settle. Idempotent on the payment reference.</summary>
public sealed class DutyPaymentRequestedConsumer(PaymentsDbContext db, TimeProvider clock, ILogger<DutyPaymentRequestedConsumer> logger)
    : IdempotentConsumer<DutyPaymentRequested>(db, logger)
{
    protected override async Task HandleAsync(DutyPaymentRequested message, CancellationToken cancellationToken)
    {
        var existing = await db.DutyPayments.SingleOrDefaultAsync(p => p.Reference == message.PaymentReference, cancellationToken);
        if (existing is not null)
        {
            // Overtaken by its withdrawal: record whose it was, so the declarant (and its bank) can see it was withdrawn.
            if (!existing.CompleteWithdrawnRequest(message.DeclarantParty, message.Amount, message.Currency))
                logger.LogInformation("Duty payment {Reference} already exists; request ignored", message.PaymentReference);
            return;
        }
        db.DutyPayments.Add(DutyPayment.Request(message.PaymentReference, message.DeclarationId, message.DeclarantParty,
            message.Amount, message.Currency, "customs", clock.GetUtcNow()));
    }
}

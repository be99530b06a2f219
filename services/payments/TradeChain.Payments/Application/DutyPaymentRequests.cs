using Microsoft.EntityFrameworkCore;
using TradeChain.Messages;
using TradeChain.Payments.Domain;
using TradeChain.Payments.Infrastructure;

namespace TradeChain.Payments.Application;

/// <summary>
/// Customs asked for duties: a payment is opened for a bank to settle (<see cref="SettleDutyPayment"/>). Idempotent on
/// the payment reference; a request that its withdrawal overtook completes the withdrawn payment and opens nothing.
/// The consumer saves the change together with its inbox row.
/// </summary>
public sealed class RequestDutyPayment(PaymentsDbContext db, TimeProvider clock, ILogger<RequestDutyPayment> logger)
{
    public const string Actor = "customs";

    public async Task HandleAsync(DutyPaymentRequested message, CancellationToken ct)
    {
        var existing = await db.DutyPayments.SingleOrDefaultAsync(p => p.Reference == message.PaymentReference, ct);
        if (existing is not null)
        {
            // Overtaken by its withdrawal: record whose it was, so the declarant (and its bank) can see it was withdrawn.
            if (!existing.CompleteWithdrawnRequest(message.DeclarantParty, message.Amount, message.Currency))
                logger.LogInformation("Duty payment {Reference} already exists; request ignored", message.PaymentReference);
            return;
        }
        db.DutyPayments.Add(DutyPayment.Request(message.PaymentReference, message.DeclarationId, message.DeclarantParty,
            message.Amount, message.Currency, Actor, clock.GetUtcNow()));
    }
}

/// <summary>
/// Customs withdrew a payment request (its declaration was amended, cancelled or rejected before payment): no bank can
/// settle it any more. A withdrawal that overtook its request is recorded, so the request is ignored when it comes.
/// The consumer saves the change together with its inbox row.
/// </summary>
public sealed class WithdrawDutyPayment(PaymentsDbContext db, TimeProvider clock, ILogger<WithdrawDutyPayment> logger)
{
    public async Task HandleAsync(DutyPaymentWithdrawn message, CancellationToken ct)
    {
        var payment = await db.DutyPayments.SingleOrDefaultAsync(p => p.Reference == message.PaymentReference, ct);
        if (payment is null)
        {
            db.DutyPayments.Add(DutyPayment.WithdrawnBeforeRequest(message.PaymentReference, message.DeclarationId, message.Reason, RequestDutyPayment.Actor,
                clock.GetUtcNow()));
            return;
        }
        if (!payment.Withdraw(message.Reason, RequestDutyPayment.Actor, clock.GetUtcNow()))
            logger.LogWarning("Payment {Reference} is {Status}; withdrawal ({Reason}) not applied", payment.Reference, payment.Status, message.Reason);
    }
}

using TradeChain.Messages;
using TradeChain.Payments.Application;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Payments.Consumers;

/// <summary>Customs withdrew a payment request (its declaration was amended, cancelled or rejected), applied once per message.</summary>
public sealed class DutyPaymentWithdrawnConsumer(PaymentsDbContext db, WithdrawDutyPayment withdraw, ILogger<DutyPaymentWithdrawnConsumer> logger)
    : IdempotentConsumer<DutyPaymentWithdrawn>(db, logger)
{
    protected override Task HandleAsync(DutyPaymentWithdrawn message, CancellationToken cancellationToken) => withdraw.HandleAsync(message, cancellationToken);
}

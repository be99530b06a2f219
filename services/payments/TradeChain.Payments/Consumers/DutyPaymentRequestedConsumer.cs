using TradeChain.Messages;
using TradeChain.Payments.Application;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Payments.Consumers;

/// <summary>Customs asked for duties, applied once per message.</summary>
public sealed class DutyPaymentRequestedConsumer(PaymentsDbContext db, RequestDutyPayment request, ILogger<DutyPaymentRequestedConsumer> logger)
    : IdempotentConsumer<DutyPaymentRequested>(db, logger)
{
    protected override Task HandleAsync(DutyPaymentRequested message, CancellationToken cancellationToken) => request.HandleAsync(message, cancellationToken);
}

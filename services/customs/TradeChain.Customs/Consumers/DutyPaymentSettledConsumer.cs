using TradeChain.Customs.Application;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>A bank settled duties, applied once per message.</summary>
public sealed class DutyPaymentSettledConsumer(CustomsDbContext db, RecordDutyPayment record, ILogger<DutyPaymentSettledConsumer> logger)
    : IdempotentConsumer<DutyPaymentSettled>(db, logger)
{
    protected override Task HandleAsync(DutyPaymentSettled message, CancellationToken cancellationToken) => record.HandleAsync(message, cancellationToken);
}

using MassTransit;
using TradeChain.Customs.Application;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>
/// Banks settled duties, applied once per message, a window at a time: a settlement batch's receipt settles many duty
/// payments at once, so their messages arrive together. The window's declarations are read in one query and the
/// window's changes saved in one transaction (<see cref="IdempotentBatchConsumer{TMessage}"/>).
/// </summary>
public sealed class DutyPaymentSettledConsumer(CustomsDbContext db, Declarations declarations, RecordDutyPayment record, ILogger<DutyPaymentSettledConsumer> logger)
    : IdempotentBatchConsumer<DutyPaymentSettled>(db, logger)
{
    protected override Task PrepareAsync(IReadOnlyList<DutyPaymentSettled> messages, CancellationToken cancellationToken) =>
        declarations.LoadAsync(messages.Select(m => m.DeclarationId).Distinct().ToList(), cancellationToken);

    protected override Task HandleAsync(DutyPaymentSettled message, CancellationToken cancellationToken) => record.HandleAsync(message, cancellationToken);
}

/// <summary>
/// The window: up to <see cref="MaxBatch"/> messages, collected for at most <see cref="Window"/> from the first — about
/// the time the payments service's outbox takes to publish one settlement batch's messages — one window at a time.
/// </summary>
public sealed class DutyPaymentSettledConsumerDefinition() : BatchWindowDefinition<DutyPaymentSettledConsumer>(MaxBatch, Window)
{
    public const int MaxBatch = 100;
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(50);
}

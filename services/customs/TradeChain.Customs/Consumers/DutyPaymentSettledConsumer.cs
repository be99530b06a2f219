using TradeChain.Customs.Application;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>
/// Banks settled duties, applied once per message, a window at a time: a settlement batch's receipt settles up to a
/// hundred duty payments at once (payments' <c>Payments:SettlementBatchMaxItems</c>), and their messages arrive
/// together. The window's declarations are read in one query and the window's changes saved in one transaction
/// (<see cref="IdempotentBatchConsumer{TMessage}"/>).
/// </summary>
public sealed class DutyPaymentSettledConsumer(CustomsDbContext db, Declarations declarations, RecordDutyPayment record, ILogger<DutyPaymentSettledConsumer> logger)
    : IdempotentBatchConsumer<DutyPaymentSettled>(db, logger)
{
    protected override Task PrepareAsync(IReadOnlyList<DutyPaymentSettled> messages, CancellationToken cancellationToken) =>
        declarations.LoadAsync(messages.Select(m => m.DeclarationId).Distinct().ToList(), cancellationToken);

    protected override Task<bool> ApplyAsync(DutyPaymentSettled message, CancellationToken cancellationToken) => record.HandleAsync(message, cancellationToken);
}

/// <summary>
/// The window: the messages that arrive within <see cref="Window"/> of the first (at most <see cref="MaxMessages"/>), up to
/// <see cref="ConcurrentWindows"/> windows at once. The window is short on purpose: a message waits for its window to
/// close, and a release waits for its payment's message. So a window holds what arrived together — one settlement
/// batch's messages as payments' outbox publishes them back to back, or, when customs is busy, what queued up meanwhile —
/// and a message arriving alone waits a few milliseconds at most. (Windows of 50 ms, one at a time, added about 70 ms
/// to the release step's median at 20 declarations/s and about 100 ms to its p95; bench/README.md.) Two windows at once: one
/// trying a faulty message again (about 1.2 s) holds up no other. A window is not a settlement batch: it may hold parts of several, and with several
/// customs processes one batch's messages are shared among their windows.
/// </summary>
public sealed class DutyPaymentSettledConsumerDefinition() : BatchWindowDefinition<DutyPaymentSettledConsumer>(MaxMessages, Window, ConcurrentWindows)
{
    public const int MaxMessages = 100;
    public const int ConcurrentWindows = 2;
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(5);
}

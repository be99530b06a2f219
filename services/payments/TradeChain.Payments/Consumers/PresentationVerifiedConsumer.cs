using TradeChain.Messages;
using TradeChain.Payments.Application;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Payments.Consumers;

/// <summary>The documents service's verdicts on a presentation's documents, examined once per message.</summary>
public sealed class PresentationVerifiedConsumer(PaymentsDbContext db, ExaminePresentation examine, ILogger<PresentationVerifiedConsumer> logger)
    : IdempotentConsumer<PresentationDocumentsVerified>(db, logger)
{
    protected override Task HandleAsync(PresentationDocumentsVerified message, CancellationToken cancellationToken) => examine.HandleAsync(message, cancellationToken);
}

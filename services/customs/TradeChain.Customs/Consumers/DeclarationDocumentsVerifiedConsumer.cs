using TradeChain.Customs.Application;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>The documents service's answer to a declaration's verification request, applied once per message.</summary>
public sealed class DeclarationDocumentsVerifiedConsumer(CustomsDbContext db, ApplyDocumentsVerification apply, ILogger<DeclarationDocumentsVerifiedConsumer> logger)
    : IdempotentConsumer<DeclarationDocumentsVerified>(db, logger)
{
    protected override Task HandleAsync(DeclarationDocumentsVerified message, CancellationToken cancellationToken) => apply.HandleAsync(message, cancellationToken);
}

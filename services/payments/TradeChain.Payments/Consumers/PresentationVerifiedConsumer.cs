using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Messages;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Payments.Consumers;

/// <summary>
/// The documents service verified a presentation's documents (on chain, with the same verdicts as its API): the credit
/// examines the presentation against its terms under UCP 600 and records every discrepancy at once.
/// </summary>
public sealed class PresentationVerifiedConsumer(PaymentsDbContext db, TimeProvider clock, ILogger<PresentationVerifiedConsumer> logger)
    : IdempotentConsumer<PresentationDocumentsVerified>(db, logger)
{
    public const string Actor = "payments-examiner";

    protected override async Task HandleAsync(PresentationDocumentsVerified message, CancellationToken cancellationToken)
    {
        var credit = await db.Credits.SingleOrDefaultAsync(c => c.Presentations.Any(p => p.Id == message.PresentationId), cancellationToken);
        if (credit is null)
        {
            logger.LogWarning("Verification result for unknown presentation {PresentationId} ignored", message.PresentationId);
            return;
        }
        var documents = message.Verdicts.Select(v => new PresentedDocument(v.DocumentHash, v.DocumentType, v.Valid, v.Reason,
            v.ContentJson is null ? null : JsonNode.Parse(v.ContentJson) as JsonObject)).ToList();
        if (!credit.Examine(message.PresentationId, documents, Actor, clock.GetUtcNow()))
        {
            logger.LogInformation("Presentation {PresentationId} was already examined; result ignored", message.PresentationId);
            return;
        }
        var presentation = credit.Find(message.PresentationId);
        logger.LogInformation("Presentation {Number} under credit {Credit}: {Status}", presentation.Number, credit.Number, presentation.Status);
    }
}

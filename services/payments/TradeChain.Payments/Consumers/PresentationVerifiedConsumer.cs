using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TradeChain.Messages;
using TradeChain.Payments.Domain.Credits;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Payments.Consumers;

/// <summary>
/// The documents service verified a presentation's documents (on chain, with the same verdicts as its API): examine
/// the presentation against the credit's terms under UCP 600 and record every discrepancy at once.
/// </summary>
public sealed class PresentationVerifiedConsumer(PaymentsDbContext db, TimeProvider clock, ILogger<PresentationVerifiedConsumer> logger)
    : IdempotentConsumer<DocumentVerificationCompleted>(db, logger)
{
    public const string Actor = "payments-examiner";

    protected override async Task HandleAsync(DocumentVerificationCompleted message, CancellationToken cancellationToken)
    {
        if (message.RequestedBy != DocumentVerificationRequested.Payments) return; // a declaration's documents: customs' business
        var id = $"\"id\":\"{message.SubjectId}\"";
        var credit = (await db.Credits.Where(c => c.PresentationsJson.Contains(id)).ToListAsync(cancellationToken))
            .SingleOrDefault(c => c.Presentations.Any(p => p.Id == message.SubjectId));
        var presentation = credit?.Presentations.SingleOrDefault(p => p.Id == message.SubjectId);
        if (credit is null || presentation is null)
        {
            logger.LogWarning("Verification result for unknown presentation {PresentationId} ignored", message.SubjectId);
            return;
        }
        if (presentation.Status != PresentationStatus.Verifying)
        {
            logger.LogInformation("Presentation {PresentationId} was already examined; result ignored", message.SubjectId);
            return;
        }
        var documents = message.Verdicts.Select(v => new PresentedDocument(v.DocumentHash, v.DocumentType, v.Valid, v.Reason,
            v.ContentJson is null ? null : JsonNode.Parse(v.ContentJson) as JsonObject)).ToList();
        var earlier = credit.Presentations.Count(p => p.Status == PresentationStatus.Settled);
        var result = Ucp600Examiner.Examine(credit.Terms, new PresentationInput(presentation.PresentedOn, documents, credit.Drawn, earlier));
        // Money moves in the currency's smallest unit (and the token's cents): a claim finer than that cannot be paid.
        var decimals = Math.Min(2, Iso20022.CurrencyAmount.IsActive(credit.Terms.Currency) ? Iso20022.CurrencyAmount.MinorUnits(credit.Terms.Currency) : 2);
        if (decimal.Round(result.AmountClaimed, decimals) != result.AmountClaimed)
            result = result with
            {
                Complying = false,
                Discrepancies = [.. result.Discrepancies, new Discrepancy("amount-precision", Ucp600Examiner.CommercialInvoice, "totalAmount",
                    "UCP 600 art. 18(b) (the invoice amount is the amount drawn)",
                    $"the invoice total {result.AmountClaimed} has more than the {decimals} decimals of {credit.Terms.Currency}: it cannot be paid as stated")],
            };
        credit.RecordExamination(presentation.Id, result, Actor, clock.GetUtcNow());
        logger.LogInformation("Presentation {Number} under credit {Credit}: {Outcome}", presentation.Number, credit.Number,
            result.Complying ? "complying" : $"{result.Discrepancies.Count} discrepancies");
    }
}

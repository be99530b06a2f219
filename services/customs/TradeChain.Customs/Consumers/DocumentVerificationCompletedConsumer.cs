using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>Documents verified: select the lane, assess the duties and ask payments to collect them — or reject.</summary>
public sealed class DocumentVerificationCompletedConsumer(CustomsDbContext db, Tariff tariff, TimeProvider clock, ILogger<DocumentVerificationCompletedConsumer> logger)
    : IdempotentConsumer<DocumentVerificationCompleted>(db, logger)
{
    public const string Actor = "customs-system";

    protected override async Task HandleAsync(DocumentVerificationCompleted message, CancellationToken cancellationToken)
    {
        var declaration = await db.Declarations.SingleOrDefaultAsync(d => d.Id == message.DeclarationId, cancellationToken);
        if (declaration is null)
        {
            logger.LogWarning("Verification result for unknown declaration {DeclarationId} ignored", message.DeclarationId);
            return;
        }
        if (declaration.Status != DeclarationStatus.Registered)
        {
            logger.LogInformation("Declaration {DeclarationId} is {Status}; verification result ignored", declaration.Id, declaration.Status);
            return;
        }

        var now = clock.GetUtcNow();
        if (!message.AllValid)
        {
            var failures = message.Verdicts.Where(v => !v.Valid).Select(v => $"{v.DocumentHash}: {v.Reason}");
            declaration.RejectForDocuments($"document verification failed: {string.Join("; ", failures)}", Actor, now);
            return;
        }

        var (lane, rule) = LaneSelection.Select(declaration.Items);
        var assessment = tariff.Assess(declaration.Type, declaration.Items);
        var reference = $"DUTY-{declaration.Id:N}"[..21].ToUpperInvariant();
        declaration.Assess(lane, rule, assessment, reference, Actor, now);
        if (assessment.TotalPayable > 0)
        {
            db.Publish(new DutyPaymentRequested(reference, declaration.Id, declaration.DeclarantParty, assessment.TotalPayable, assessment.Currency));
        }
        else
        {
            declaration.RecordPayment(reference, 0m, assessment.Currency, "none (no duty due)", Actor, now);
        }
    }
}

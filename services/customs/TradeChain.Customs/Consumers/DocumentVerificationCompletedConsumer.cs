using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Customs.Consumers;

/// <summary>
/// Documents verified. At lodgement (or after an amendment): select the lane, assess the duties and ask payments to
/// collect them — or reject. For additional documents an officer asked for: resume the documentary check.
/// </summary>
public sealed class DocumentVerificationCompletedConsumer(CustomsDbContext db, CustomsProcess customs, TimeProvider clock, ILogger<DocumentVerificationCompletedConsumer> logger)
    : IdempotentConsumer<DocumentVerificationCompleted>(db, logger)
{
    public const string Actor = "customs-system";

    protected override async Task HandleAsync(DocumentVerificationCompleted message, CancellationToken cancellationToken)
    {
        if (message.RequestedBy != DocumentVerificationRequested.Customs) return; // a bank's presentation, not a declaration
        var declaration = await db.Declarations.SingleOrDefaultAsync(d => d.Id == message.SubjectId, cancellationToken);
        if (declaration is null)
        {
            logger.LogWarning("Verification result for unknown declaration {DeclarationId} ignored", message.SubjectId);
            return;
        }
        if (declaration.Status == DeclarationStatus.Registered && !declaration.DocumentHashes.All(h => message.Verdicts.Any(v => v.DocumentHash == h)))
        {
            // A result for the documents of an earlier version (the declaration was amended meanwhile): the new request's result follows.
            logger.LogInformation("Stale verification result for declaration {DeclarationId} ignored", declaration.Id);
            return;
        }
        var failures = Failures(declaration, message);
        var now = clock.GetUtcNow();
        declaration.RecordVerdicts(message.Verdicts.Select(v => new RecordedVerdict(v.DocumentHash, v.DocumentType, v.Valid, v.Reason,
            (v.Checks ?? []).Select(c => new VerdictCheck(c.Name, c.Status, c.Reason)).ToList(), now.ToUnixTimeMilliseconds())));
        switch (declaration.Status)
        {
            case DeclarationStatus.Registered when failures.Count > 0:
                declaration.RejectForDocuments($"document verification failed: {string.Join("; ", failures)}", Actor, now);
                break;
            case DeclarationStatus.Registered:
                var (decision, notice) = customs.SelectAndAssess(declaration);
                var reference = CustomsProcess.PaymentReference(declaration);
                declaration.Assess(decision, notice, reference, Actor, now);
                if (notice.TotalPayable > 0)
                    db.Publish(new DutyPaymentRequested(reference, declaration.Id, declaration.DeclarantParty, notice.TotalPayable, notice.Currency));
                else
                    declaration.RecordPayment(reference, 0m, notice.Currency, "none (nothing due)", Actor, now);
                break;
            case DeclarationStatus.AwaitingDocuments:
                declaration.AdditionalDocumentsVerified(failures.Count == 0,
                    failures.Count == 0 ? string.Join("; ", message.Verdicts.Select(v => $"{v.DocumentType} {v.DocumentHash}: {v.Reason}")) : string.Join("; ", failures),
                    Actor, now);
                break;
            default:
                logger.LogInformation("Declaration {DeclarationId} is {Status}; verification result ignored", declaration.Id, declaration.Status);
                break;
        }
    }

    /// <summary>Every verdict that failed, and every document whose issued type differs from the type it was declared as.</summary>
    private static List<string> Failures(Declaration declaration, DocumentVerificationCompleted message)
    {
        var failures = new List<string>();
        foreach (var verdict in message.Verdicts)
        {
            if (!verdict.Valid) { failures.Add($"{verdict.DocumentHash}: {verdict.Reason}"); continue; }
            var declared = declaration.Content.Documents.FirstOrDefault(d => d.Hash == verdict.DocumentHash);
            if (declared is not null && verdict.DocumentType is not null && declared.Type != verdict.DocumentType)
                failures.Add($"{verdict.DocumentHash}: declared as {declared.Type} but issued as {verdict.DocumentType}");
        }
        return failures;
    }
}

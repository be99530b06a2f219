using TradeChain.Customs.Domain;
using TradeChain.Messages;

namespace TradeChain.Customs.Application;

/// <summary>
/// The documents service verified a declaration's documents: at lodgement (or after an amendment) the declaration is
/// routed and assessed, or rejected; for additional documents an officer asked for, the documentary check resumes.
/// The consumer saves the change together with its inbox row.
/// </summary>
public sealed class ApplyDocumentsVerification(Declarations declarations, CustomsProcess customs, TimeProvider clock, ILogger<ApplyDocumentsVerification> logger)
{
    public async Task HandleAsync(DeclarationDocumentsVerified message, CancellationToken ct)
    {
        var declaration = await declarations.FindAsync(message.DeclarationId, ct);
        if (declaration is null)
        {
            logger.LogWarning("Verification result for unknown declaration {DeclarationId} ignored", message.DeclarationId);
            return;
        }
        var now = clock.GetUtcNow();
        var verdicts = message.Verdicts.Select(v => new RecordedVerdict(v.DocumentHash, v.DocumentType, v.Valid, v.Reason,
            (v.Checks ?? []).Select(c => new VerdictCheck(c.Name, c.Status, c.Reason)).ToList(), now.ToUnixTimeMilliseconds())).ToList();
        switch (declaration.DocumentsVerified(verdicts, customs.SelectAndAssess, now))
        {
            case VerificationOutcome.Stale:
                logger.LogInformation("Stale verification result for declaration {DeclarationId} ignored", declaration.Id);
                break;
            case VerificationOutcome.NotAwaited:
                logger.LogInformation("Declaration {DeclarationId} is {Status}; verification result kept, nothing else changes", declaration.Id, declaration.Status);
                break;
        }
    }
}

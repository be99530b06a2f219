using TradeChain.Documents.Application;
using TradeChain.Documents.Infrastructure;
using TradeChain.Messages;
using TradeChain.ServiceDefaults.Messaging;

namespace TradeChain.Documents.Consumers;

/// <summary>
/// Customs asks whether a declaration's documents are the declarant's and genuine; only customs receives the answer. The
/// declarant's documents it names are recorded as referenced by the declaration, which lets customs officers read them.
/// </summary>
public sealed class DeclarationDocumentsVerificationResponder(DocumentsDbContext db, VerifyReferencedDocuments verify,
    ILogger<DeclarationDocumentsVerificationResponder> logger)
    : IdempotentResponder<DeclarationDocumentsVerificationRequested, DeclarationDocumentsVerified>(db, logger)
{
    protected override Task<DeclarationDocumentsVerified> AnswerAsync(DeclarationDocumentsVerificationRequested request, CancellationToken cancellationToken) =>
        verify.ForDeclarationAsync(request, cancellationToken);
}

/// <summary>Payments asks whether a presentation's documents are the presenter's, genuine and (a bill of lading) in its control; only payments receives the answer.</summary>
public sealed class PresentationDocumentsVerificationResponder(DocumentsDbContext db, VerifyReferencedDocuments verify,
    ILogger<PresentationDocumentsVerificationResponder> logger)
    : IdempotentResponder<PresentationDocumentsVerificationRequested, PresentationDocumentsVerified>(db, logger)
{
    protected override Task<PresentationDocumentsVerified> AnswerAsync(PresentationDocumentsVerificationRequested request, CancellationToken cancellationToken) =>
        verify.ForPresentationAsync(request, cancellationToken);
}

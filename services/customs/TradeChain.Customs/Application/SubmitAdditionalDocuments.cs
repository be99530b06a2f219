using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>The declaration with the answer; or, unchanged, the positions of the answer's documents it already had.</summary>
public sealed record AdditionalDocumentsAnswer(Declaration? Answered, IReadOnlyList<int> AlreadyAttached);

/// <summary>The declarant answers an officer's request for documents (06); the new documents go to verification.</summary>
public sealed class SubmitAdditionalDocuments(Declarations declarations, CustomsDbContext db, TimeProvider clock)
{
    public async Task<AdditionalDocumentsAnswer?> HandleAsync(Guid id, IReadOnlyList<AttachedDocument> documents, ClaimsPrincipal declarant, CancellationToken ct)
    {
        var declaration = await declarations.FindVisibleAsync(id, declarant, ct);
        if (declaration is null) return null;
        try
        {
            declaration.SubmitAdditionalDocuments(documents, declarant.Actor(), clock.GetUtcNow());
        }
        catch (DomainRuleViolation refusal) when (refusal.Rule == Declaration.NewDocumentsRule)
        {
            return new AdditionalDocumentsAnswer(null, declaration.AlreadyAttached(documents)); // answered as field errors of the request
        }
        await db.SaveChangesAsync(ct);
        return new AdditionalDocumentsAnswer(declaration, []);
    }
}

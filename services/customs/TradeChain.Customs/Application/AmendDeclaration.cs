using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>The amended declaration; or, unchanged, the local reference number it keeps when the request named another.</summary>
public sealed record Amendment(Declaration? Amended, string? KeptLocalReferenceNumber = null);

/// <summary>The declarant amends its declaration before payment (07): the new version is verified, routed and assessed again.</summary>
public sealed class AmendDeclaration(Declarations declarations, CustomsDbContext db, TimeProvider clock)
{
    public async Task<Amendment?> HandleAsync(Guid id, string? localReferenceNumber, DeclarationContent content, string reason, ClaimsPrincipal declarant,
        CancellationToken ct)
    {
        var declaration = await declarations.FindVisibleAsync(id, declarant, ct);
        if (declaration is null) return null;
        try
        {
            declaration.Amend(content, reason, declarant.Actor(), clock.GetUtcNow(), localReferenceNumber);
        }
        catch (DomainRuleViolation refusal) when (refusal.Rule == Declaration.LocalReferenceNumberKeptRule)
        {
            return new Amendment(null, declaration.LocalReferenceNumber); // answered as a field error of the request
        }
        await db.SaveChangesAsync(ct);
        return new Amendment(declaration);
    }
}

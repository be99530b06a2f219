using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
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
        if (localReferenceNumber is not null && localReferenceNumber != declaration.LocalReferenceNumber)
            return new Amendment(null, declaration.LocalReferenceNumber);
        declaration.Amend(content, reason, declarant.Actor(), clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return new Amendment(declaration);
    }
}

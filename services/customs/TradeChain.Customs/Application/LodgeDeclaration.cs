using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>The lodged declaration; or the refusal because the declarant's declaration <see cref="AlreadyLodgedAs"/> has the local reference number.</summary>
public sealed record Lodgement(Declaration? Lodged, Guid? AlreadyLodgedAs = null, DomainRuleViolation? Refusal = null);

/// <summary>A declarant lodges a declaration (02); its documents go to verification.</summary>
public sealed class LodgeDeclaration(CustomsDbContext db, TimeProvider clock)
{
    public async Task<Lodgement> HandleAsync(string localReferenceNumber, DeclarationContent content, ClaimsPrincipal declarant, CancellationToken ct)
    {
        var party = declarant.Party();
        var usedBy = await LodgedAsAsync(party, localReferenceNumber, ct);
        Declaration declaration;
        try
        {
            declaration = Declaration.Lodge(Guid.NewGuid(), localReferenceNumber, party, content, declarant.Actor(), clock.GetUtcNow(), usedBy);
        }
        catch (DomainRuleViolation refusal) when (usedBy is not null && refusal.Rule == Declaration.LocalReferenceNumberUniqueRule)
        {
            return new Lodgement(null, usedBy, refusal);
        }
        db.Declarations.Add(declaration);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same local reference number lodged at the same moment (a double click, a client retry): the unique
            // index enforces the domain's rule, and the first one stands.
            if (await LodgedAsAsync(party, localReferenceNumber, CancellationToken.None) is not { } first) throw;
            return new Lodgement(null, first, Declaration.LocalReferenceNumberUsed(first, localReferenceNumber));
        }
        return new Lodgement(declaration);
    }

    private Task<Guid?> LodgedAsAsync(string party, string localReferenceNumber, CancellationToken ct) =>
        db.Declarations.AsNoTracking().Where(d => d.DeclarantParty == party && d.LocalReferenceNumber == localReferenceNumber)
            .Select(d => (Guid?)d.Id).SingleOrDefaultAsync(ct);
}

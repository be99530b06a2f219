using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>An officer takes the declaration; a paid yellow one goes to documentary check, a red one to examination (05).</summary>
public sealed class AssignDeclaration(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.Assign(officer.Actor(), clock.GetUtcNow()), ct);
}

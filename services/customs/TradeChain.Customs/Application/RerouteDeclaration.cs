using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>An officer changes the lane, with a reason.</summary>
public sealed class RerouteDeclaration(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, Lane lane, string reason, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.Reroute(lane, reason, officer.Actor(), clock.GetUtcNow()), ct);
}

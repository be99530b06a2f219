using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>An officer rejects the declaration with a reason (03); an unpaid payment request is withdrawn.</summary>
public sealed class RejectDeclaration(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, string reason, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.Reject(reason, officer.Actor(), clock.GetUtcNow()), ct);
}

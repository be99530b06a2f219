using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>The declarant cancels its declaration before release (10); an unpaid payment request is withdrawn.</summary>
public sealed class CancelDeclaration(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, string reason, ClaimsPrincipal declarant, CancellationToken ct) =>
        declarations.ChangeAsync(id, declarant, d => d.Cancel(reason, declarant.Actor(), clock.GetUtcNow()), ct);
}

using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>An officer confirms the goods left the customs territory (16).</summary>
public sealed class ConfirmExit(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, string reason, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.ConfirmExit(reason, officer.Actor(), clock.GetUtcNow()), ct);
}

using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>The assigned officer releases cleared goods (08).</summary>
public sealed class ReleaseGoods(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, string reason, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.Release(reason, officer.Actor(), clock.GetUtcNow()), ct);
}

using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>The assigned officer completes the documentary check with its findings: cleared for release (09).</summary>
public sealed class CompleteDocumentaryCheck(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, string findings, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.CompleteDocumentaryCheck(findings, officer.Actor(), clock.GetUtcNow()), ct);
}

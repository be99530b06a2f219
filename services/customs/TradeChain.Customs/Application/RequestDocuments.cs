using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>During the documentary check, the assigned officer asks the declarant for more documents (06).</summary>
public sealed class RequestDocuments(Declarations declarations, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, IReadOnlyList<string> documentTypes, string reason, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.RequestDocuments(documentTypes, reason, officer.Actor(), clock.GetUtcNow()), ct);
}

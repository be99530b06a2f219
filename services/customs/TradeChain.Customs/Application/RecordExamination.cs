using System.Security.Claims;
using TradeChain.Customs.Domain;
using TradeChain.ServiceDefaults.Auth;

namespace TradeChain.Customs.Application;

/// <summary>
/// The assigned officer records the physical examination's findings; corrections are reassessed with the tariff and,
/// if more is due, a supplementary payment is requested.
/// </summary>
public sealed class RecordExamination(Declarations declarations, CustomsProcess customs, TimeProvider clock)
{
    public Task<Declaration?> HandleAsync(Guid id, string findings, IReadOnlyList<ItemCorrection> corrections, ClaimsPrincipal officer, CancellationToken ct) =>
        declarations.ChangeAsync(id, officer, d => d.RecordExamination(findings, corrections, customs.Assess, officer.Actor(), clock.GetUtcNow()), ct);
}

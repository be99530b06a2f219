using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;

namespace TradeChain.Customs.Application;

/// <summary>
/// A verification request that the bus gave up on (its consumer failed past every retry, e.g. during a long chain
/// outage) would leave a declaration Registered for ever: customs asks again for every declaration Registered too
/// long. A duplicate answer is harmless: once one result has assessed or rejected the declaration, a later one is only
/// kept beside it (see <see cref="Declaration.DocumentsVerified"/>).
/// </summary>
public sealed class AskForOverdueVerifications(CustomsDbContext db, TimeProvider clock, ILogger<AskForOverdueVerifications> logger)
{
    /// <summary>How many declarations one run asks for at most; the rest wait for the next run.</summary>
    public const int BatchSize = 200;

    /// <returns>How many declarations had their verification asked again.</returns>
    public async Task<int> HandleAsync(TimeSpan after, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var overdue = await db.Declarations.Where(Declaration.VerificationOverdue(now, after))
            .OrderBy(d => d.UpdatedAtUnixMs).ThenBy(d => d.Id).Take(BatchSize).AsSplitQuery().ToListAsync(ct);
        foreach (var declaration in overdue)
        {
            logger.LogWarning("Declaration {DeclarationId} has waited for document verification since {Since}; asking again", declaration.Id,
                DateTimeOffset.FromUnixTimeMilliseconds(declaration.UpdatedAtUnixMs));
            declaration.RequestVerificationAgain(now);
        }
        if (overdue.Count > 0) await db.SaveChangesAsync(ct);
        return overdue.Count;
    }
}

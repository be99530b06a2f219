using Microsoft.EntityFrameworkCore;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;

namespace TradeChain.Customs.Api;

/// <summary>
/// How far the chain record trails the service: transitions not yet anchored and the age of the oldest of them, and
/// when the last batch was anchored with the longest wait in it (what <c>tradechain_anchor_lag_seconds</c> measures).
/// </summary>
public sealed record AnchoringLag(int PendingTransitions, long? OldestPendingAgeMs, long? LastAnchoredAtUnixMs, long? LastBatchLagMs);

/// <summary>The officers' overview: declarations by status (every status, in lifecycle order) and lane, lodgements per UTC hour of one day, anchoring lag.</summary>
public sealed record DeclarationStatistics(
    long AtUnixMs, string? Office, IReadOnlyDictionary<string, int> CountsByStatus, LaneCounts CountsByLane, DateOnly Day, IReadOnlyList<int> LodgedPerHour,
    AnchoringLag Anchoring)
{
    private const long HourMs = 3_600_000;

    public static async Task<IResult> GetAsync(CustomsDbContext db, TimeProvider clock, string? office, DateOnly? date, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var query = db.Declarations.AsNoTracking();
        if (office is not null) query = query.Where(d => d.OfficeOfDeclaration == office);

        var byStatus = await query.GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        var countsByStatus = Enum.GetValues<DeclarationStatus>()
            .ToDictionary(s => s.ToString(), s => byStatus.Where(c => c.Status == s).Sum(c => c.Count));

        var day = date ?? DateOnly.FromDateTime(now.UtcDateTime);
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var end = start + 24 * HourMs;
        var byHour = await query.Where(d => d.LodgedAtUnixMs >= start && d.LodgedAtUnixMs < end)
            .GroupBy(d => (d.LodgedAtUnixMs - start) / HourMs).Select(g => new { Hour = g.Key, Count = g.Count() }).ToListAsync(ct);
        var perHour = Enumerable.Range(0, 24).Select(h => byHour.Where(c => c.Hour == h).Sum(c => c.Count)).ToList();

        return Results.Ok(new DeclarationStatistics(now.ToUnixTimeMilliseconds(), office, countsByStatus, await LaneCounts.CountAsync(query, ct), day, perHour,
            await AnchoringAsync(db, now.ToUnixTimeMilliseconds(), ct)));
    }

    private static async Task<AnchoringLag> AnchoringAsync(CustomsDbContext db, long now, CancellationToken ct)
    {
        var pending = db.Transitions.AsNoTracking().Where(t => t.BatchRoot == null);
        var pendingCount = await pending.CountAsync(ct);
        var oldest = await pending.MinAsync(t => (long?)t.OccurredAtUnixMs, ct);
        var lastAnchored = await db.Transitions.AsNoTracking().MaxAsync(t => t.AnchoredAtUnixMs, ct);
        var lastLag = lastAnchored is null ? null
            : await db.Transitions.AsNoTracking().Where(t => t.AnchoredAtUnixMs == lastAnchored).MaxAsync(t => (long?)(t.AnchoredAtUnixMs!.Value - t.OccurredAtUnixMs), ct);
        return new AnchoringLag(pendingCount, oldest is null ? null : Math.Max(0, now - oldest.Value), lastAnchored, lastLag);
    }
}

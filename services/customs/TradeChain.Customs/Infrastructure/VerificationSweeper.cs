using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Customs.Domain;

namespace TradeChain.Customs.Infrastructure;

public sealed class VerificationSweeperOptions
{
    public const string Section = "Customs:VerificationSweeper";

    /// <summary>How long a declaration may stay Registered before its document verification is asked again.</summary>
    public int RetryAfterSeconds { get; set; } = 120;

    public int IntervalSeconds { get; set; } = 30;
}

/// <summary>
/// A verification request that the bus gave up on (its consumer failed past every retry, e.g. during a long chain
/// outage) would leave a declaration Registered for ever. This asks again for every declaration Registered too long;
/// a duplicate answer is harmless because customs acts only on the first.
/// </summary>
public sealed class VerificationSweeper(IServiceScopeFactory scopes, TimeProvider clock, IOptions<VerificationSweeperOptions> options, ILogger<VerificationSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Value.IntervalSeconds), stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e) { logger.LogWarning(e, "Verification sweep failed; trying again later"); }
        }
    }

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomsDbContext>();
        var now = clock.GetUtcNow();
        var after = TimeSpan.FromSeconds(options.Value.RetryAfterSeconds);
        var cutoff = now.ToUnixTimeMilliseconds() - (long)after.TotalMilliseconds;
        var overdue = await db.Declarations.Where(d => d.Status == DeclarationStatus.Registered && d.UpdatedAtUnixMs <= cutoff)
            .OrderBy(d => d.UpdatedAtUnixMs).Take(200).AsSplitQuery().ToListAsync(ct);
        foreach (var declaration in overdue.Where(d => d.VerificationOverdue(now, after)))
        {
            logger.LogWarning("Declaration {DeclarationId} has waited for document verification since {Since}; asking again", declaration.Id,
                DateTimeOffset.FromUnixTimeMilliseconds(declaration.UpdatedAtUnixMs));
            declaration.RequestVerificationAgain(now);
        }
        if (overdue.Count > 0) await db.SaveChangesAsync(ct);
        return overdue.Count;
    }
}

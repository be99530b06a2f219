using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TradeChain.Payments.Application;

namespace TradeChain.Payments.Infrastructure;

/// <summary>
/// Finishes the abandonment of closed pending signatures that a crash (or a failed chain call) left undone: every
/// <see cref="PaymentsOptions.SignatureAbandonmentSweepSeconds"/> the expired or overtaken ones still marked
/// <see cref="Domain.PendingSignature.AbandonmentDue"/>, closed at least that long ago (the closing request's own
/// abandonment has had its time), are abandoned again — a beneficiary's approval of a decrease withdrawn on chain, so the
/// issuing bank cannot use it for a decision that was never taken — and marked. Abandoning twice is harmless (the
/// approval is replaced by one of the credit's current amount, which moves nothing).
/// </summary>
public sealed class SignatureAbandonments(IServiceScopeFactory scopes, IOptions<PaymentsOptions> options, TimeProvider clock,
    ILogger<SignatureAbandonments> logger) : BackgroundService
{
    /// <summary>The most closed signatures abandoned in one round.</summary>
    public const int RoundSize = 50;

    private TimeSpan Interval => TimeSpan.FromSeconds(Math.Clamp(options.Value.SignatureAbandonmentSweepSeconds, 1, 3_600));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Abandoning closed pending signatures failed; trying again in {Interval}", Interval);
            }
            try { await Task.Delay(Interval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One round: the oldest due first, each on its own (one that fails stays due); the number abandoned.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow().Subtract(Interval).ToUnixTimeMilliseconds();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var due = await db.PendingSignatures.AsNoTracking().Where(p => p.AbandonmentDue && p.ClosedAtUnixMs <= before)
            .OrderBy(p => p.ClosedAtUnixMs).Take(RoundSize).ToListAsync(ct);
        var submit = scope.ServiceProvider.GetRequiredService<SubmitSignature>();
        var abandoned = 0;
        foreach (var closed in due)
        {
            logger.LogWarning("Pending signature {Signature} ({Kind} {Subject}) was closed without its step abandoned; abandoning it now", closed.Id, closed.Kind, closed.Subject);
            try
            {
                await submit.AbandonAsync(closed, CancellationToken.None);
                abandoned++;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // This one stays due (tried again next round); the others are not held up by it.
                logger.LogError(e, "Abandoning pending signature {Signature} failed; trying again in {Interval}", closed.Id, Interval);
            }
        }
        return abandoned;
    }
}

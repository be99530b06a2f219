using Microsoft.Extensions.Options;
using TradeChain.Customs.Application;

namespace TradeChain.Customs.Infrastructure;

public sealed class VerificationSweeperOptions
{
    public const string Section = "Customs:VerificationSweeper";

    /// <summary>How long a declaration may stay Registered before its document verification is asked again.</summary>
    public int RetryAfterSeconds { get; set; } = 120;

    public int IntervalSeconds { get; set; } = 30;
}

/// <summary>Runs <see cref="AskForOverdueVerifications"/> every <see cref="VerificationSweeperOptions.IntervalSeconds"/>, each run in its own scope.</summary>
public sealed class VerificationSweeper(IServiceScopeFactory scopes, IOptions<VerificationSweeperOptions> options, ILogger<VerificationSweeper> logger)
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

    /// <returns>How many declarations had their verification asked again.</returns>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AskForOverdueVerifications>()
            .HandleAsync(TimeSpan.FromSeconds(options.Value.RetryAfterSeconds), ct);
    }
}

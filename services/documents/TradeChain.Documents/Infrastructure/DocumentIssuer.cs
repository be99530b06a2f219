using TradeChain.Documents.Application;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

public sealed class IssuanceOptions
{
    public const string Section = "Issuance";

    /// <summary>Documents issued in one transaction at most.</summary>
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>How long a submitted document waits for others to share its transaction.</summary>
    public int WindowMs { get; set; } = 200;
}

/// <summary>
/// Runs <see cref="IssueDocuments"/> whenever a save may have submitted a document (and every half second), backing off
/// while the chain or the database fails: failed documents stay Submitted and are issued on a later round.
/// </summary>
public sealed class DocumentIssuer(IServiceScopeFactory scopes, WorkSignal signal, ILogger<DocumentIssuer> logger) : BackgroundService
{
    private readonly WorkSignal.WakeUp _wakeUp = signal.Register();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int issued;
                await using (var scope = scopes.CreateAsyncScope())
                    issued = await scope.ServiceProvider.GetRequiredService<IssueDocuments>().HandleAsync(stoppingToken);
                failures = 0;
                if (issued == 0) await _wakeUp.WaitAsync(TimeSpan.FromMilliseconds(500), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                failures++;
                logger.LogWarning(e, "Issuing documents failed ({Failures} in a row); they stay Submitted and will be retried", failures);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(failures, 6)))), stoppingToken);
            }
        }
    }
}

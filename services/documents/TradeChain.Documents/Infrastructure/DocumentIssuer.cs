using Microsoft.Extensions.Options;
using TradeChain.Documents.Application;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

public sealed class IssuanceOptions
{
    public const string Section = "Issuance";

    /// <summary>
    /// Whether this process issues and revokes (the issuer writes with the service's one account: on Kubernetes only
    /// documents-worker does, the API replicas only save submissions and revocation requests — see deploy/README.md).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Documents issued in one transaction at most.</summary>
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>How long a submitted document waits for others to share its transaction.</summary>
    public int WindowMs { get; set; } = 200;

    /// <summary>
    /// Rounds sent and not yet confirmed at once (1: each waits for the one before). On a chain with a block period a round
    /// waits about a block for its receipt; documents submitted meanwhile go in the next round without waiting for it.
    /// </summary>
    public int MaxInFlight { get; set; } = 4;
}

/// <summary>
/// Runs <see cref="IssueDocuments"/> whenever a save may have submitted a document (and every half second): forms a round
/// (its batches saved) and sends it, forming the next one while up to <see cref="IssuanceOptions.MaxInFlight"/> rounds
/// await their receipts. A round that fails stays unconfirmed and is sent again as a retry (roots an earlier attempt
/// issued already are skipped, and recorded where the chain says). While rounds of new documents fail the issuer backs
/// off before forming anything; retries also back off on their own count, so a round of new documents that succeeds
/// meanwhile does not hurry a failing retry (nor does a failing retry hold up new documents). Documents of a
/// failed round stay Submitted until it is confirmed.
/// </summary>
public sealed class DocumentIssuer(IServiceScopeFactory scopes, WorkSignal signal, IOptions<IssuanceOptions> options, ILogger<DocumentIssuer> logger) : BackgroundService
{
    private readonly WorkSignal.WakeUp _wakeUp = signal.Register();
    private readonly Lock _gate = new();
    private readonly HashSet<Guid> _inFlight = []; // batches of rounds being sent by this process: not taken for a retry here
    private readonly List<Task> _sending = [];
    private int _failures; // rounds that failed in a row to be formed, or sent as new documents (any round sent resets it)
    private int _retryFailures; // retry rounds that failed in a row
    private long _retryNotBefore; // Environment.TickCount64 before which no retry round is formed

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("Issuance is off here (Issuance:Enabled=false): another process of the service issues the submitted documents and sends the revocations asked");
            return;
        }
        using var slots = new SemaphoreSlim(options.Value.MaxInFlight, options.Value.MaxInFlight);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                IssuanceRound? round;
                try
                {
                    if (Volatile.Read(ref _failures) is > 0 and var failures) await Task.Delay(Backoff(failures), stoppingToken);
                    Guid[] inFlight;
                    lock (_gate) inFlight = [.. _inFlight];
                    await using var scope = scopes.CreateAsyncScope();
                    var includeRetries = Environment.TickCount64 >= Volatile.Read(ref _retryNotBefore);
                    round = await scope.ServiceProvider.GetRequiredService<IssueDocuments>().FormAsync(inFlight, stoppingToken, includeRetries);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    slots.Release();
                    return;
                }
                catch (Exception e)
                {
                    slots.Release();
                    Failed(e);
                    continue;
                }
                if (round is null)
                {
                    slots.Release();
                    await _wakeUp.WaitAsync(TimeSpan.FromMilliseconds(500), stoppingToken);
                    continue;
                }
                lock (_gate)
                {
                    _inFlight.UnionWith(round.BatchIds);
                    _sending.RemoveAll(t => t.IsCompleted);
                    _sending.Add(SendRoundAsync(round, slots, stoppingToken));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            Task[] sending;
            lock (_gate) sending = [.. _sending];
            await Task.WhenAll(sending); // each ends by itself (cancelled with the process): the semaphore outlives them
        }
    }

    private async Task SendRoundAsync(IssuanceRound round, SemaphoreSlim slots, CancellationToken ct)
    {
        await Task.Yield(); // the loop goes on forming the next round
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IssueDocuments>().SendAsync(round, ct);
            Volatile.Write(ref _failures, 0); // the chain and the database answer again
            if (round.Retry) Volatile.Write(ref _retryFailures, 0);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            if (!round.Retry) Failed(e);
            else
            {
                var failures = Interlocked.Increment(ref _retryFailures);
                Volatile.Write(ref _retryNotBefore, Environment.TickCount64 + (long)Backoff(failures).TotalMilliseconds);
                logger.LogWarning(e, "Sending again documents of an earlier round failed ({Failures} in a row); they stay Submitted and will be retried", failures);
            }
        }
        finally
        {
            lock (_gate) _inFlight.ExceptWith(round.BatchIds); // unconfirmed still if it failed: the next round retries it
            slots.Release();
        }
    }

    private void Failed(Exception e)
    {
        var failures = Interlocked.Increment(ref _failures);
        logger.LogWarning(e, "Issuing documents failed ({Failures} in a row); they stay Submitted and will be retried", failures);
    }

    /// <summary>How long the issuer (and <see cref="DocumentRevoker"/>) waits after <paramref name="failures"/> failures in a row: 1 s doubling to 30 s.</summary>
    internal static TimeSpan Backoff(int failures) => ServiceDefaults.Backoff.After(failures, TimeSpan.FromSeconds(1));
}

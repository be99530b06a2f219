using Microsoft.Extensions.Options;
using TradeChain.Documents.Application;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

public sealed class RevocationOptions
{
    public const string Section = "Revocation";

    /// <summary>
    /// How long a revoke request waits for its record (the issuer's transaction mined and recorded) before answering 202
    /// with the document still Issued and its revocation request shown (0–30); a client's <c>Prefer: wait=</c> may shorten it.
    /// </summary>
    public int WaitSeconds { get; set; } = 25;
}

/// <summary>
/// Sends the revocations owners asked for (<see cref="SendRevocations"/>) whenever a save may have asked one (and every
/// half second, for one another process saved), where issuance runs (<see cref="IssuanceOptions.Enabled"/>): the process
/// that writes with the service's account, so that on Kubernetes the API replicas only save the request and
/// documents-worker sends it — one writer of the account, one nonce sequence. A round that fails leaves what it could not
/// send asked; the next round comes after a backoff. A request survives a restart: it is a column of its document.
/// </summary>
public sealed class DocumentRevoker(IServiceScopeFactory scopes, WorkSignal signal, IOptions<IssuanceOptions> options, ILogger<DocumentRevoker> logger) : BackgroundService
{
    private readonly WorkSignal.WakeUp _wakeUp = signal.Register();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return; // DocumentIssuer says so in the log: another process of the service sends them
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int taken;
                await using (var scope = scopes.CreateAsyncScope())
                    taken = await scope.ServiceProvider.GetRequiredService<SendRevocations>().HandleAsync(stoppingToken);
                failures = 0;
                // A full round may have left more asked: the next at once; otherwise at the next save (or the half second).
                if (taken < SendRevocations.MaxPerRound) await _wakeUp.WaitAsync(TimeSpan.FromMilliseconds(500), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                failures++;
                logger.LogWarning(e, "Sending asked revocations failed ({Failures} in a row); they stay asked and are sent again", failures);
                try { await Task.Delay(DocumentIssuer.Backoff(failures), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}

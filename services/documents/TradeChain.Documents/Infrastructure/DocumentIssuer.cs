using Microsoft.EntityFrameworkCore;
using TradeChain.Documents.Domain;
using TradeChain.Ledger;
using TradeChain.Ledger.Merkle;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.Documents.Infrastructure;

public sealed class IssuanceOptions
{
    public const string Section = "Issuance";

    /// <summary>Documents issued in one bulkIssue transaction at most.</summary>
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>How long a submitted document waits for others to share its transaction.</summary>
    public int WindowMs { get; set; } = 200;
}

/// <summary>
/// Issues submitted documents on the document store: everything submitted within the window goes out in one
/// transaction, then each document becomes Issued with the transaction's hash and block. The submission is
/// durable before this runs, so a crash or a chain outage only delays issuance; on retry, hashes already on
/// chain are not issued twice.
/// </summary>
public sealed class DocumentIssuer(IServiceScopeFactory scopes, DocumentStoreClient store, WorkSignal signal, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<IssuanceOptions> options, ILogger<DocumentIssuer> logger) : BackgroundService
{
    private readonly WorkSignal.WakeUp _wakeUp = signal.Register();

    public const string Actor = "documents-issuer";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var issued = await IssuePendingAsync(stoppingToken);
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

    public async Task<int> IssuePendingAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DocumentsDbContext>();
        var pending = await db.Documents.Where(d => d.Status == DocumentStatus.Submitted)
            .OrderBy(d => d.SubmittedAtUnixMs).Take(options.Value.MaxBatchSize).ToListAsync(ct);
        if (pending.Count == 0) return 0;
        var age = clock.GetUtcNow().ToUnixTimeMilliseconds() - pending[0].SubmittedAtUnixMs;
        if (pending.Count < options.Value.MaxBatchSize && age < options.Value.WindowMs)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.WindowMs - age), ct);
            return await IssuePendingAsync(ct);
        }

        var receipt = await store.IssueAsync(pending.Select(d => Hex.Decode(d.Hash)).ToList(), ct);
        var now = clock.GetUtcNow();
        foreach (var document in pending)
        {
            if (receipt is not null)
            {
                document.MarkIssued(receipt.TransactionHash, receipt.BlockNumber, store.ContractAddress, Actor, now);
            }
            else
            {
                // Issued by an earlier attempt that crashed before recording it: take the block from the chain.
                var status = await store.GetStatusAsync(Hex.Decode(document.Hash));
                document.MarkIssued("", status.IssuedInBlock, store.ContractAddress, Actor, now);
            }
        }
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Issued {Count} document(s) in block {Block} (tx {Tx})", pending.Count, receipt?.BlockNumber, receipt?.TransactionHash);
        return pending.Count;
    }
}

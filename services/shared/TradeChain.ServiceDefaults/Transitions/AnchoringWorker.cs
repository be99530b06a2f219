using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradeChain.Ledger;
using TradeChain.Domain.Hashing;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.ServiceDefaults.Telemetry;

namespace TradeChain.ServiceDefaults.Transitions;

public sealed class AnchoringOptions
{
    public const string Section = "Anchoring";

    /// <summary>Transitions per Merkle root. 1 is the one-transaction-per-transition baseline.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>How long the oldest pending transition may wait for its batch to fill before it is anchored anyway.</summary>
    public int MaxWaitMs { get; set; } = 500;

    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Anchors the transition log: takes pending transitions (oldest first, up to MaxBatchSize, or fewer once the
/// oldest has waited MaxWaitMs), builds their Merkle tree, records the root on the TransitionAnchor contract in
/// one transaction, then stores each transition's proof, block and transaction hash. If the chain is down the
/// transitions simply stay pending: the service keeps working and catches up when the chain is back.
/// </summary>
public sealed class AnchoringWorker(
    IServiceScopeFactory scopes, TransitionAnchorClient anchor, WorkSignal signal,
    IOptions<AnchoringOptions> options, ILogger<AnchoringWorker> logger) : BackgroundService
{
    private readonly WorkSignal.WakeUp _wakeUp = signal.Register();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await AnchorNextBatchAsync(stoppingToken);
                failures = 0;
                if (result.Anchored > 0) continue; // more may be due at once
                // A batch's window is open: sleep until it closes rather than waking for every commit meanwhile (each
                // commit would only find the batch still not due). Nothing pending: the first commit opens a window.
                if (result.RetryIn is { } window) await Task.Delay(window, stoppingToken);
                else await _wakeUp.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                failures++;
                var delay = Backoff.After(failures, TimeSpan.FromSeconds(1));
                logger.LogWarning(e, "Anchoring failed ({Failures} in a row); transitions stay pending, retrying in {Delay}", failures, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    public sealed record BatchResult(int Anchored, TimeSpan? RetryIn, string? Root = null, long? Block = null);

    /// <summary>Anchors one batch if one is due. Public so tests and the benchmark can drive it step by step.</summary>
    public async Task<BatchResult> AnchorNextBatchAsync(CancellationToken ct, bool force = false)
    {
        var max = Math.Max(1, options.Value.MaxBatchSize);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDbContext>();
        if (!force && await NotDueAsync(db, max, ct) is { } notDue) return notDue;
        var pending = await db.Transitions.Where(t => t.BatchRoot == null).OrderBy(t => t.Id).Take(max).ToListAsync(ct);
        if (pending.Count == 0) return new BatchResult(0, null);

        var tree = new MerkleTree(pending.Select(t => t.ToLeaf().Hash()).ToList());
        using var activity = StartBatchActivity(pending);
        var receipt = await anchor.AnchorAsync(tree.Root, pending.Count, ct);
        var root = Hex.Encode(tree.Root);
        var anchoredAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < pending.Count; i++)
        {
            var t = pending[i];
            t.BatchRoot = root;
            t.BatchSize = pending.Count;
            t.Proof = JsonSerializer.Serialize(tree.ProofFor(i).Select(p => Hex.Encode(p)));
            t.BlockNumber = receipt.BlockNumber;
            t.TransactionHash = receipt.TransactionHash;
            t.AnchoredAtUnixMs = anchoredAt;
            LedgerTelemetry.AnchorLag.Record((anchoredAt - t.OccurredAtUnixMs) / 1000.0);
        }
        await db.SaveChangesAsync(ct);
        LedgerTelemetry.BatchSize.Record(pending.Count);
        logger.LogInformation("Anchored {Count} transitions under root {Root} in block {Block} (tx {Tx})",
            pending.Count, root, receipt.BlockNumber, receipt.TransactionHash);
        return new BatchResult(pending.Count, null, root, receipt.BlockNumber);
    }

    /// <summary>
    /// Whether the next batch is not due yet — nothing pending, or fewer than a full batch with the oldest still inside
    /// its window — read as the oldest pending transition's time and a bounded count, without loading the rows.
    /// </summary>
    private async Task<BatchResult?> NotDueAsync(ServiceDbContext db, int max, CancellationToken ct)
    {
        var pending = db.Transitions.AsNoTracking().Where(t => t.BatchRoot == null);
        var oldest = await pending.OrderBy(t => t.Id).Select(t => (long?)t.OccurredAtUnixMs).FirstOrDefaultAsync(ct);
        if (oldest is null) return new BatchResult(0, null);
        var waited = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - oldest.Value;
        if (waited >= options.Value.MaxWaitMs || await pending.Take(max).CountAsync(ct) >= max) return null;
        return new BatchResult(0, TimeSpan.FromMilliseconds(options.Value.MaxWaitMs - waited));
    }

    /// <summary>
    /// The batch's span, so its chain transaction lands in the traces of the work that made the transitions: a child
    /// of the first transition's trace context, with a link to each other one.
    /// </summary>
    private static System.Diagnostics.Activity? StartBatchActivity(IReadOnlyList<TransitionRecord> batch)
    {
        var contexts = batch.Select(t => TraceContext.Parse(t.TraceParent, t.TraceState)).OfType<System.Diagnostics.ActivityContext>().Distinct().ToList();
        var activity = LedgerTelemetry.Source.StartActivity(System.Diagnostics.ActivityKind.Internal,
            parentContext: contexts.FirstOrDefault(),
            tags: [new("anchor.batch_size", batch.Count)],
            links: contexts.Skip(1).Select(c => new System.Diagnostics.ActivityLink(c)),
            name: "anchor transitions");
        return activity;
    }
}

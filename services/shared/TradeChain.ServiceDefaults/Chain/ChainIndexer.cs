using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Persistence;

namespace TradeChain.ServiceDefaults.Chain;

/// <summary>
/// Keeps the <see cref="ChainIndex"/>: for each source, reads the logs of the blocks after its cursor up to the newest
/// final block, in ranges of at most <see cref="ChainOptions.MaxLogBlockRange"/> blocks, and stores them with the
/// cursor's new position in one transaction. A log already stored (same transaction hash and log index: another
/// replica, or a round repeated after a failure) is skipped, so indexing twice changes nothing. If the chain is
/// unreachable the index simply stops growing and catches up when it is back. Once a round's events are committed, the
/// requests waiting on their source are woken (<see cref="ChainIndex.EventsKey"/>); events another replica stored first
/// wake nothing here (those requests read again on their own schedule).
/// </summary>
public sealed class ChainIndexer(IServiceScopeFactory scopes, ChainIndex index, ChainWriter chain, ChainOptions chainOptions,
    TimeProvider clock, ILogger<ChainIndexer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (index.Sources.Count == 0) return;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await IndexAsync(stoppingToken);
                failures = 0;
                await index.WaitForWorkAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                failures++;
                var delay = Backoff.After(failures, TimeSpan.FromMilliseconds(500));
                logger.LogWarning(e, "Indexing chain events failed ({Failures} in a row); retrying in {Delay}", failures, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    /// <summary>One round: every source up to the newest final block. Public so tests can drive it step by step.</summary>
    /// <returns>The events stored in this round.</returns>
    public async Task<int> IndexAsync(CancellationToken ct)
    {
        var final = await index.FinalBlockAsync(ct);
        var stored = 0;
        foreach (var source in index.Sources)
            stored += await IndexSourceAsync(source, final, ct);
        return stored;
    }

    private async Task<int> IndexSourceAsync(ChainEventSource source, long final, CancellationToken ct)
    {
        var stored = 0;
        var conflicts = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ServiceDbContext>();
            var cursor = await db.ChainCursors.SingleOrDefaultAsync(c => c.Source == source.Name, ct);
            if (cursor is null)
            {
                cursor = new ChainCursor { Source = source.Name, Contract = source.Contract, NextBlock = index.StartBlock };
                db.ChainCursors.Add(cursor);
            }
            else if (cursor.Contract != source.Contract)
            {
                // The source now names another contract (a new deployment): its history starts again.
                logger.LogInformation("Chain index {Source}: contract changed from {Old} to {New}; indexing it from block {Start}",
                    source.Name, cursor.Contract, source.Contract, index.StartBlock);
                cursor.Contract = source.Contract;
                cursor.NextBlock = index.StartBlock;
            }
            if (cursor.NextBlock > final)
            {
                if (db.Entry(cursor).State == EntityState.Added) await db.SaveChangesAsync(ct);
                index.Reached(source.Name, cursor.NextBlock - 1);
                return stored;
            }

            var from = cursor.NextBlock;
            var to = Math.Min(final, from + chainOptions.MaxLogBlockRange - 1);
            var logs = await chain.Web3.Eth.Filters.GetLogs.SendRequestAsync(new NewFilterInput
            {
                Address = [source.Contract],
                FromBlock = new BlockParameter(new HexBigInteger(from)),
                ToBlock = new BlockParameter(new HexBigInteger(to)),
                Topics = source.Events is null ? null : [source.Events.ToArray()],
            }) ?? [];

            var known = logs.Length == 0 ? [] : (await db.ChainEvents.Where(e => e.Contract == source.Contract && e.BlockNumber >= from && e.BlockNumber <= to)
                .Select(e => new { e.TransactionHash, e.LogIndex }).ToListAsync(ct))
                .Select(e => (e.TransactionHash, e.LogIndex)).ToHashSet();
            var timestamps = new Dictionary<BigInteger, long>();
            foreach (var log in logs.Where(l => l.Removed != true))
            {
                var block = log.BlockNumber.Value;
                if (!timestamps.TryGetValue(block, out var timestamp))
                {
                    var header = await chain.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new HexBigInteger(block));
                    timestamps[block] = timestamp = (long)header.Timestamp.Value;
                }
                var record = ChainEventRecord.From(log, timestamp);
                if (known.Add((record.TransactionHash, record.LogIndex))) db.ChainEvents.Add(record);
            }
            cursor.NextBlock = to + 1;
            cursor.UpdatedAtUnixMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var added = db.ChangeTracker.Entries<ChainEventRecord>().Count(e => e.State == EntityState.Added);
            try
            {
                await db.SaveChangesAsync(ct); // the events and the cursor that covers them, together
                conflicts = 0;
            }
            catch (DbUpdateException) when (++conflicts <= 3)
            {
                // Another replica stored these events (or made the cursor) first: read the range again, store what is missing.
                continue;
            }
            stored += added;
            index.Reached(source.Name, to);
            // Committed: what waits on this source's events (a title's page) reads them again now.
            if (added > 0) scope.ServiceProvider.GetService<Transitions.RecordChanges>()?.Committed([ChainIndex.EventsKey(source.Name)]);
            if (added > 0) logger.LogDebug("Chain index {Source}: {Count} event(s) in blocks {From}-{To}", source.Name, added, from, to);
        }
    }
}

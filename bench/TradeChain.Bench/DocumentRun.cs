using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using TradeChain.Documents.Domain;
using TradeChain.Ledger;
using TradeChain.Ledger.Merkle;
using TradeChain.Testing;

namespace TradeChain.Bench;

public sealed record DocumentResult(
    int Documents,
    double WrappedPerSecond,
    double WrappedAndIssuedPerSecond,
    int IssueTransactions,
    double IntegrityVerificationsPerSecond,
    double FullVerificationMsPerDocument,
    double FullVerificationsPerSecondConcurrent);

/// <summary>
/// Document throughput on a real anvil chain: canonicalise and hash certificates of origin, build the batch's Merkle
/// root, issue them on the document store in batches, then verify them — integrity only, and with the on-chain status.
/// </summary>
public sealed class DocumentRun(BenchOptions options, TextWriter log)
{
    public const int IssueBatch = 500;

    public async Task<DocumentResult> RunAsync()
    {
        await using var chain = await AnvilNode.StartAsync();
        var writer = new ChainWriter(chain.OptionsFor(DevelopmentAccounts.DocumentsKey), NullLogger<ChainWriter>.Instance);
        var store = new DocumentStoreClient(writer, chain.OptionsFor(DevelopmentAccounts.DocumentsKey));
        var contents = Enumerable.Range(0, options.Documents).Select(i => new JsonObject
        {
            ["certificateNumber"] = $"CO-BENCH-{i:D6}",
            ["exporter"] = "ACME Rubber Export JSC, 12 Nguyen Hue, District 1, Ho Chi Minh City",
            ["consignee"] = "Nordsee Reifenwerke GmbH, Hafenstrasse 4, Hamburg",
            ["originCountry"] = "VN",
            ["goodsDescription"] = "Technically specified natural rubber SVR 10, 576 bales of 35 kg",
            ["hsCode"] = "400122",
            ["issuedAt"] = "2026-11-25",
        }).ToList();
        log.WriteLine($"  documents: {options.Documents} certificates of origin, issued {IssueBatch} per transaction");

        var clock = Stopwatch.StartNew();
        var wrapped = contents.Select(c => DocumentHashing.Canonicalise("certificate-of-origin", "EXP-BENCH", c, Guid.NewGuid())).ToList();
        var root = new MerkleTree(wrapped.Select(w => Hex.Decode(w.Hash)).ToList()).Root;
        var wrapSeconds = clock.Elapsed.TotalSeconds;
        var transactions = 0;
        foreach (var chunk in wrapped.Chunk(IssueBatch))
        {
            if (await store.IssueAsync(chunk.Select(w => Hex.Decode(w.Hash)).ToList(), CancellationToken.None) is not null) transactions++;
        }
        var issueSeconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(root);

        clock.Restart();
        var intact = wrapped.Count(w => DocumentHashing.HashOf(w.CanonicalJson) == w.Hash);
        var integritySeconds = clock.Elapsed.TotalSeconds;
        if (intact != wrapped.Count) throw new InvalidOperationException("integrity check failed on an untouched document");

        var sample = wrapped.Take(Math.Min(200, wrapped.Count)).ToList();
        clock.Restart();
        foreach (var w in sample)
        {
            if (DocumentHashing.HashOf(w.CanonicalJson) != w.Hash || !(await store.GetStatusAsync(Hex.Decode(w.Hash))).Issued)
                throw new InvalidOperationException($"document {w.Hash} does not verify");
        }
        var fullMs = clock.Elapsed.TotalMilliseconds / sample.Count;

        clock.Restart();
        var gate = new SemaphoreSlim(16);
        await Task.WhenAll(wrapped.Select(async w =>
        {
            await gate.WaitAsync();
            try { if (!(await store.GetStatusAsync(Hex.Decode(w.Hash))).Issued) throw new InvalidOperationException($"{w.Hash} not issued"); }
            finally { gate.Release(); }
        }));
        var concurrentSeconds = clock.Elapsed.TotalSeconds;

        return new DocumentResult(options.Documents, options.Documents / wrapSeconds, options.Documents / issueSeconds, transactions,
            options.Documents / Math.Max(integritySeconds, 1e-6), fullMs, options.Documents / concurrentSeconds);
    }
}

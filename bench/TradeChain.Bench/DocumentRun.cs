using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using TradeChain.Documents.Domain;
using TradeChain.Ledger;
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
/// Document throughput on a real anvil chain: wrap certificates of origin as OpenAttestation v2 in Merkle trees of
/// IssueBatch, issue every root in one transaction, then verify them — integrity only, and with the on-chain status.
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
        // OpenAttestation v2: salt every field, targetHash per document, one Merkle tree per batch of IssueBatch.
        var batches = contents.Chunk(IssueBatch).Select(chunk => OpenAttestationV2.WrapBatch(chunk)).ToList();
        var wrapped = batches.SelectMany(b => b).ToList();
        var wrapSeconds = clock.Elapsed.TotalSeconds;
        var transactions = 0;
        // Every batch's root in one transaction, as the documents service does for a window.
        var roots = batches.Select(b => Convert.FromHexString(Root(b[0]))).ToList();
        if (await store.IssueAsync(roots, CancellationToken.None) is not null) transactions++;
        var issueSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var intact = wrapped.Count(w => OpenAttestationV2.VerifyIntegrity(w).Valid);
        var integritySeconds = clock.Elapsed.TotalSeconds;
        if (intact != wrapped.Count) throw new InvalidOperationException("integrity check failed on an untouched document");

        var sample = wrapped.Take(Math.Min(200, wrapped.Count)).ToList();
        clock.Restart();
        foreach (var w in sample)
        {
            if (!OpenAttestationV2.VerifyIntegrity(w).Valid || !(await store.GetStatusAsync(Convert.FromHexString(Root(w)))).Issued
                || (await store.GetStatusAsync(Convert.FromHexString(Target(w)))).Revoked)
                throw new InvalidOperationException($"document {Target(w)} does not verify");
        }
        var fullMs = clock.Elapsed.TotalMilliseconds / sample.Count;

        clock.Restart();
        var gate = new SemaphoreSlim(16);
        await Task.WhenAll(wrapped.Select(async w =>
        {
            await gate.WaitAsync();
            try
            {
                if (!OpenAttestationV2.VerifyIntegrity(w).Valid || !(await store.GetStatusAsync(Convert.FromHexString(Root(w)))).Issued)
                    throw new InvalidOperationException($"{Target(w)} not issued");
            }
            finally { gate.Release(); }
        }));
        var concurrentSeconds = clock.Elapsed.TotalSeconds;

        return new DocumentResult(options.Documents, options.Documents / wrapSeconds, options.Documents / issueSeconds, transactions,
            options.Documents / Math.Max(integritySeconds, 1e-6), fullMs, options.Documents / concurrentSeconds);
    }

    private static string Root(JsonObject wrapped) => wrapped["signature"]!["merkleRoot"]!.GetValue<string>();

    private static string Target(JsonObject wrapped) => wrapped["signature"]!["targetHash"]!.GetValue<string>();
}

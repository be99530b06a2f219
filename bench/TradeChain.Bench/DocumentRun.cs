using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradeChain.Documents.Domain;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Persistence;
using TradeChain.Testing;

namespace TradeChain.Bench;

public sealed record DocumentResult(
    int Documents,
    double WrappedPerSecond,
    double WrappedAndIssuedPerSecond,
    int IssueTransactions,
    double IntegrityVerificationsPerSecond,
    double FullVerificationMsPerDocument,
    double FullVerificationsPerSecondConcurrent,
    ServiceVerification Service);

/// <summary>
/// TradeChain's own verifier on documents it issued: <see cref="ServiceVerification.Documents"/> verified one after
/// another, each in a scope of its own as a request is; ms per document, and chain RPC calls per document (the index
/// answers issuance and every revocable hash, so only the head is read).
/// </summary>
public sealed record ServiceVerification(int Documents, int RevocableHashesPerDocument, double MsPerDocument, double RpcCallsPerDocument,
    IReadOnlyDictionary<string, double> RpcCallsByMethod);

/// <summary>
/// Document throughput on a real anvil chain: wrap certificates of origin as OpenAttestation v2 in Merkle trees of
/// IssueBatch, issue every root in one transaction, then verify them — integrity only, and with the on-chain status as an
/// outside verifier reads it; then TradeChain's own verifier on a tree of (at most) IssueBatch more, from its chain index.
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

        var service = await ServiceVerifierAsync(chain, store, contents, log);

        return new DocumentResult(options.Documents, options.Documents / wrapSeconds, options.Documents / issueSeconds, transactions,
            options.Documents / Math.Max(integritySeconds, 1e-6), fullMs, options.Documents / concurrentSeconds, service);
    }

    /// <summary>
    /// The documents service's own <see cref="DocumentVerifier"/> — behind POST /documents/verify, the public verifier
    /// page and the verification responders — with its chain index in a SQLite database of its own, kept by the
    /// service's <see cref="ChainIndexer"/> from the store's events. The documents name TradeChain's store as their issuer
    /// (as the service's do), so every check runs: integrity, issuance of the root, revocation of the targetHash, of each
    /// intermediate hash and of the root, issuer identity. Timed against the node; its chain calls counted in a second
    /// pass through a counting proxy.
    /// </summary>
    private static async Task<ServiceVerification> ServiceVerifierAsync(AnvilNode chain, DocumentStoreClient store,
        IReadOnlyList<JsonObject> certificates, TextWriter log)
    {
        var count = Math.Min(IssueBatch, certificates.Count);
        if (count == 0) return new ServiceVerification(0, 0, double.NaN, double.NaN, new Dictionary<string, double>());
        var issuer = new JsonObject
        {
            ["name"] = "TradeChain Document Store",
            ["documentStore"] = chain.Deployment.DocumentStoreAddress,
            ["identityProof"] = new JsonObject { ["type"] = "DNS-TXT", ["location"] = new IssuerRegistryOptions().OwnDomain },
        };
        var wrapped = OpenAttestationV2.WrapBatch(certificates.Take(count).Select((c, i) =>
        {
            var document = (JsonObject)c.DeepClone();
            document["certificateNumber"] = $"CO-VERIFY-{i:D6}"; // another tree, another root than the batches above
            document["issuers"] = new JsonArray(issuer.DeepClone());
            return document;
        }).ToList());
        if (await store.IssueAsync([Convert.FromHexString(Root(wrapped[0]))], CancellationToken.None) is null)
            throw new InvalidOperationException("the verification batch's root was not issued");

        var directory = Directory.CreateTempSubdirectory("tradechain-bench-verify-");
        var database = $"Data Source={Path.Combine(directory.FullName, "documents.db")}";
        await using var proxy = new JsonRpcProxy(chain.RpcUrl);
        try
        {
            // Timed against the node directly (as the service talks to it); then once more through the counting proxy, untimed
            // (its extra local hop is the bench's, not the verifier's), for the chain calls a verification makes.
            var (ms, _) = await VerifyEachAsync(chain, chain.RpcUrl, database, wrapped);
            var (_, calls) = await VerifyEachAsync(chain, proxy.Url, database, wrapped, proxy);
            // The targetHash and each hash its proof folds to, the last being the root (DocumentVerifier.RevocableHashes).
            var hashes = 1 + wrapped[0]["signature"]!["proof"]!.AsArray().Count;
            log.WriteLine($"  TradeChain's verifier: {wrapped.Count} documents one after another, {ms:0.000} ms each; " +
                          $"{calls.Values.Sum():0.##} chain calls each ({string.Join(", ", calls.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value:0.##}"))})");
            return new ServiceVerification(wrapped.Count, hashes, ms, calls.Values.Sum(), calls);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The documents service's verifier and chain index, wired as the service wires them, on the node at
    /// <paramref name="rpcUrl"/> and the database <paramref name="database"/>: every document verified once untimed (so the
    /// code is compiled at its final tier: tiered compilation recompiles a method after its first 30 calls, in the
    /// background, and the copy of the index is loaded), then each again, one after another, each in a scope of its own as
    /// a request is. Returns ms per document of the second pass and, given the proxy in front of the node, its calls per
    /// document in that pass (empty without it). The head does not move meanwhile (anvil mines only on a transaction), so
    /// the copy of the index is loaded in the first pass and not again: the second pass is a verification at a steady head.
    /// </summary>
    private static async Task<(double Ms, Dictionary<string, double> Calls)> VerifyEachAsync(AnvilNode chain, string rpcUrl, string database,
        IReadOnlyList<JsonObject> wrapped, JsonRpcProxy? proxy = null)
    {
        var chainOptions = chain.OptionsFor(DevelopmentAccounts.DocumentsKey);
        chainOptions.RpcUrl = rpcUrl;
        await using var services = new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)) // an indexing failure is told, not waited out
            .AddSingleton(chainOptions)
            .AddSingleton(TimeProvider.System)
            .AddSingleton(new ServiceIdentity("documents"))
            .AddSingleton(_ => new ChainWriter(chainOptions, NullLogger<ChainWriter>.Instance))
            .AddSingleton(sp => new DocumentStoreClient(sp.GetRequiredService<ChainWriter>(), chainOptions))
            .AddSingleton(new IssuerRegistryOptions())
            .AddSingleton<IssuerRegistry>()
            .AddSingleton(sp => new ChainIndex(DocumentVerificationRegistration.IndexSources(chainOptions),
                sp.GetRequiredService<ChainWriter>(), chainOptions, Options.Create(new ChainIndexOptions())))
            .AddSingleton<ChainIndexer>()
            .AddDocumentVerification() // as the service registers it (Program.cs)
            .AddDbContextPool<DocumentsDbContext>(o => o.UseServiceDatabase(database)) // pooled, as in the service
            .AddScoped<ServiceDbContext>(sp => sp.GetRequiredService<DocumentsDbContext>()) // the indexer's view of it, as in the service
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var indexer = services.GetRequiredService<ChainIndexer>();
        await using (var scope = services.CreateAsyncScope())
            await ServiceDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<DocumentsDbContext>());
        await indexer.StartAsync(CancellationToken.None);
        try
        {
            // The index reaches the head first (ChainIndexBehindException after its catch-up timeout: told once, not waited out per document).
            var head = (long)(await services.GetRequiredService<ChainWriter>().Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
            await services.GetRequiredService<ChainIndex>().WaitForBlockAsync(chainOptions.DocumentStoreAddress, head, CancellationToken.None);

            async Task VerifyAsync(JsonObject document)
            {
                await using var scope = services.CreateAsyncScope();
                var report = await scope.ServiceProvider.GetRequiredService<DocumentVerifier>().VerifyAsync(document, CancellationToken.None, VerificationAudience.Public);
                if (!report.Valid) throw new InvalidOperationException($"TradeChain's verifier refused {Target(document)}: {report.Summary}");
            }
            foreach (var w in wrapped) await VerifyAsync(w);
            var callsBefore = proxy?.Calls ?? new Dictionary<string, long>();
            var clock = Stopwatch.StartNew();
            foreach (var w in wrapped) await VerifyAsync(w);
            var ms = clock.Elapsed.TotalMilliseconds / wrapped.Count;
            var calls = (proxy?.Calls ?? new Dictionary<string, long>()).ToDictionary(c => c.Key, c => (c.Value - callsBefore.GetValueOrDefault(c.Key)) / (double)wrapped.Count);
            return (ms, calls);
        }
        finally
        {
            await indexer.StopAsync(CancellationToken.None);
        }
    }

    private static string Root(JsonObject wrapped) => wrapped["signature"]!["merkleRoot"]!.GetValue<string>();

    private static string Target(JsonObject wrapped) => wrapped["signature"]!["targetHash"]!.GetValue<string>();
}

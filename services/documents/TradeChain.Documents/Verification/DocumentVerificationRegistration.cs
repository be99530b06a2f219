using TradeChain.Documents.Infrastructure;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults.Chain;

namespace TradeChain.Documents.Verification;

/// <summary>
/// How the documents service wires its verifier, in one place: the service (Program.cs) and the benchmark's measurement
/// of the verifier (bench/TradeChain.Bench/DocumentRun.cs) both call it, so the bench measures what the service runs.
/// </summary>
public static class DocumentVerificationRegistration
{
    /// <summary>The chain events the documents service indexes: the title registry's steps and the document store's issuances and revocations.</summary>
    public static IReadOnlyList<ChainEventSource> IndexSources(ChainOptions chain) => [TitleEvents.SourceFor(chain), DocumentStoreEvents.SourceFor(chain)];

    /// <summary>
    /// <see cref="DocumentVerifier"/> and the readers of the chain index it verifies from: the store's events through this
    /// process's copy (<see cref="DocumentStoreEventCache"/>, <see cref="DocumentStoreEvents"/>) and the title registry's
    /// steps (<see cref="TitleRegistryClient"/>, <see cref="TitleEvents"/> — which issuance and the title endpoints use as
    /// well: they are registered here, once). The caller registers the index itself over <see cref="IndexSources"/>, the
    /// database, <see cref="DocumentStoreClient"/> and <see cref="IssuerRegistry"/>.
    /// </summary>
    public static IServiceCollection AddDocumentVerification(this IServiceCollection services) => services
        .AddSingleton<TitleRegistryClient>()
        .AddScoped<TitleEvents>()
        .AddSingleton<DocumentStoreEventCache>()
        .AddScoped<DocumentStoreEvents>()
        .AddScoped<DocumentVerifier>();
}

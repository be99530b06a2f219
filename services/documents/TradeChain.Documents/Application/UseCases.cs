using TradeChain.Documents.Verification;

namespace TradeChain.Documents.Application;

public static class UseCases
{
    /// <summary>One handler per use case, each in its own file here; the endpoints and the bus responders call them.</summary>
    public static IServiceCollection AddDocumentUseCases(this IServiceCollection services) => services
        .AddScoped<SubmitDocument>()
        .AddScoped<IssueDocuments>()
        .AddScoped<AskRevocation>()
        .AddScoped<SendRevocations>()
        .AddScoped<ReadDocuments>()
        .AddScoped<DiscloseDocument>()
        .AddScoped<ReadTitles>()
        .AddScoped<MoveTitle>()
        .AddScoped<VerifyDocument>()
        .AddScoped<IDocumentChecks, LedgerDocumentChecks>()
        .AddScoped<VerifyReferencedDocuments>();
}

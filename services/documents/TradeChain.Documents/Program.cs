using TradeChain.Documents.Api;
using TradeChain.Documents.Application;
using TradeChain.Documents.Infrastructure;
using TradeChain.Documents.Verification;
using TradeChain.Ledger;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Chain;

var builder = WebApplication.CreateBuilder(args);

builder.AddTradeChainService<DocumentsDbContext>(DocumentsDbContext.Identity.Name, typeof(Program).Assembly);
builder.Services.AddOptions<IssuanceOptions>().Bind(builder.Configuration.GetSection(IssuanceOptions.Section))
    .Validate(o => o.MaxBatchSize is >= 1 and <= 10_000, "Issuance:MaxBatchSize must be between 1 and 10000 documents.")
    .Validate(o => o.WindowMs is >= 0 and <= 60_000, "Issuance:WindowMs must be between 0 and 60000 ms.")
    .Validate(o => o.MaxInFlight is >= 1 and <= 16, "Issuance:MaxInFlight must be between 1 (each round waits for the one before) and 16.")
    .ValidateOnStart();
builder.Services.AddOptions<RevocationOptions>().Bind(builder.Configuration.GetSection(RevocationOptions.Section))
    .Validate(o => o.WaitSeconds is >= 0 and <= TradeChain.ServiceDefaults.Transitions.RecordChanges.MaxWaitSeconds,
        $"Revocation:WaitSeconds must be between 0 (a revoke request answers 202 at once) and {TradeChain.ServiceDefaults.Transitions.RecordChanges.MaxWaitSeconds}.")
    .ValidateOnStart();
builder.Services.AddSingleton(builder.Configuration.GetSection(IssuerRegistryOptions.Section).Get<IssuerRegistryOptions>() ?? new IssuerRegistryOptions());
builder.AddPartyWallets();
builder.Services.AddSingleton<IssuerRegistry>();
builder.AddChainIndex(DocumentVerificationRegistration.IndexSources);
builder.Services.AddDocumentVerification();
builder.Services.AddSingleton<PartyDirectory>();
builder.Services.AddDocumentUseCases();
builder.Services.AddHostedService<DocumentIssuer>();
builder.Services.AddHostedService<DocumentRevoker>();
builder.AddPublicVerification();
builder.Services.AddOptions<ChainOptions>().Validate(o => o.TitleRegistryAddress.Length > 0,
    "Chain:TitleRegistryAddress is required by the documents service (bills of lading are titles on it).");

var app = builder.Build();

app.MapServiceDefaults();
app.UseRateLimiter();
app.MapDocuments();
app.MapTitleList();
app.MapTitles();
app.MapPublicVerification();

app.Run();

public partial class Program;

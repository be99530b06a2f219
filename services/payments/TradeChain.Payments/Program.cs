using TradeChain.Ledger;
using TradeChain.Payments.Api;
using TradeChain.Payments.Application;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Chain;

var builder = WebApplication.CreateBuilder(args);

builder.AddTradeChainService<PaymentsDbContext>(PaymentsDbContext.Identity.Name, typeof(Program).Assembly);
builder.Services.Configure<PaymentsOptions>(builder.Configuration.GetSection(PaymentsOptions.Section));
builder.Services.AddOptions<PaymentsOptions>().Validate(o => o.SettlementBatchMaxItems is >= 1 and <= PaymentsOptions.MostBatchItems,
    $"Payments:SettlementBatchMaxItems must be between 1 and {PaymentsOptions.MostBatchItems}: a batch transaction costs about 56,000 gas per item, and {PaymentsOptions.MostBatchItems} (tested) (about 5.6 M gas) fit even a 30,000,000 block gas limit such as anvil's default.")
    .Validate(o => o.SettlementBatchesInFlight is >= 1 and <= 16, "Payments:SettlementBatchesInFlight must be between 1 (each batch waits for the one before's receipt) and 16.")
    .Validate(o => o.DepositBatchWindowMs is >= 0 and <= 1000, "Payments:DepositBatchWindowMs must be between 0 (each deposit minted in its own request) and 1000: a queued deposit waits that long for others of its bank to go in one transaction.")
    .Validate(o => o.DepositWaitSeconds is >= 0 and <= 30, "Payments:DepositWaitSeconds must be between 0 (answer 202 at once) and 30: a deposit's or withdrawal's request waits that long for its booking.")
    .Validate(o => o.SettlementLeaseSeconds >= 5, "Payments:SettlementLeaseSeconds must be at least 5: a bank's settlement lease must outlast the sending of its batch.")
    .ValidateOnStart();
builder.AddPartyWallets();
builder.Services.AddSingleton<SettlementClient>();
builder.Services.AddSingleton<SettlementLedger>();
builder.AddChainIndex(SettlementPayments.SourcesFor);
builder.Services.AddScoped<SettlementPayments>();
builder.Services.AddSingleton<Iso20022Recorder>();
builder.Services.AddPaymentsUseCases();
builder.Services.AddScoped<SignatureQueue>();
builder.Services.AddScoped<Onboardings>();
builder.Services.AddScoped<ISignedStep>(services => services.GetRequiredService<DecideAmendment>());
builder.Services.AddScoped<BookingVoids>();
builder.Services.AddScoped<ISignedStep>(services => services.GetRequiredService<BookingVoids>());
builder.Services.AddSingleton<DutySettlementQueue>();
builder.Services.AddScoped<SettlementLeases>();
builder.Services.AddHostedService<DutySettlementWorker>();
builder.Services.AddSingleton<BookingSender>();
builder.Services.AddHostedService(services => services.GetRequiredService<BookingSender>());
builder.Services.AddHostedService<SignatureAbandonments>();
builder.Services.AddOptions<ChainOptions>().Validate(o => o.Settlement.Count > 0 && o.Settlement.Values.All(s => s.Token.Length > 0 && s.Escrow.Length > 0),
    "Chain:Settlement:<currency>:Token and :Escrow are required by the payments service (the settlement token and credit escrow per currency).");

var app = builder.Build();

app.MapServiceDefaults();
// A request that moves money runs to its end when its caller goes away (Api/WritesRunToTheirEnd.cs).
app.RunWritesToTheirEnd();
app.MapDutyPayments();
app.MapAccounts();
app.MapCredits();
app.MapReconciliation();
app.MapIso20022Messages();
app.MapPartyAccounts();
app.MapOnboardings();
app.MapSignatures();

app.Run();

public partial class Program;

using TradeChain.Documents.Api;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("documents");
builder.AddServiceDatabase<DocumentsDbContext>();
builder.AddLedger();
builder.AddServiceBus(typeof(Program).Assembly);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<IssuanceOptions>(builder.Configuration.GetSection(IssuanceOptions.Section));
builder.Services.AddHostedService<DocumentIssuer>();

var app = builder.Build();

app.MapServiceDefaults();
app.MapDocuments();

app.Run();

public partial class Program;

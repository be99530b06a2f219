using TradeChain.Documents.Api;
using TradeChain.Documents.Infrastructure;
using TradeChain.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddTradeChainService<DocumentsDbContext>("documents", typeof(Program).Assembly);
builder.Services.Configure<IssuanceOptions>(builder.Configuration.GetSection(IssuanceOptions.Section));
builder.Services.AddHostedService<DocumentIssuer>();

var app = builder.Build();

app.MapServiceDefaults();
app.MapDocuments();

app.Run();

public partial class Program;

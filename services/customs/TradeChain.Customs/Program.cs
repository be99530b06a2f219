using TradeChain.Customs.Api;
using TradeChain.Customs.Application;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddTradeChainService<CustomsDbContext>(CustomsDbContext.Identity.Name, typeof(Program).Assembly,
    consumes: CustomsConsumers.For(builder.Configuration));
var data = Path.Combine(AppContext.BaseDirectory, "Data");
builder.Services.AddSingleton(_ => Tariff.Load(Path.Combine(data, "tariff.json")));
builder.Services.AddSingleton(_ => ExchangeRates.Load(Path.Combine(data, "exchange-rates.json")));
builder.Services.AddSingleton(_ => SelectivityEngine.Load(Path.Combine(data, "selectivity.json")));
builder.Services.AddSingleton(_ => ReferenceData.Load(data));
builder.Services.AddSingleton(_ => DeclarationSamples.Load(Path.Combine(data, "samples")));
builder.Services.AddSingleton<CustomsProcess>();
builder.Services.AddSingleton<DeclarationValidator>();
builder.Services.AddCustomsUseCases();

var app = builder.Build();
if (!CustomsConsumers.Attests(app.Configuration))
    app.Logger.LogInformation("Release attestation is off here ({Setting} false): the process that anchors (customs-worker) attests releases", CustomsConsumers.AttestationSetting);

app.MapServiceDefaults();
app.MapDeclarations();
app.MapReferenceData();

app.Run();

public partial class Program;

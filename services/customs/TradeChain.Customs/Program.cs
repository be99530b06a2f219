using TradeChain.Customs.Api;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("customs");
builder.AddServiceDatabase<CustomsDbContext>();
builder.AddLedger();
builder.AddServiceBus(typeof(Program).Assembly);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(_ => Tariff.Load(Path.Combine(AppContext.BaseDirectory, "Data", "tariff.json")));

var app = builder.Build();

app.MapServiceDefaults();
app.MapDeclarations();

app.Run();

public partial class Program;

using TradeChain.Customs.Api;
using TradeChain.Customs.Domain;
using TradeChain.Customs.Infrastructure;
using TradeChain.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddTradeChainService<CustomsDbContext>("customs", typeof(Program).Assembly);
builder.Services.AddSingleton(_ => Tariff.Load(Path.Combine(AppContext.BaseDirectory, "Data", "tariff.json")));

var app = builder.Build();

app.MapServiceDefaults();
app.MapDeclarations();

app.Run();

public partial class Program;

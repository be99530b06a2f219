using TradeChain.Payments.Api;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;
using TradeChain.ServiceDefaults.Chain;
using TradeChain.ServiceDefaults.Messaging;
using TradeChain.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("payments");
builder.AddServiceDatabase<PaymentsDbContext>();
builder.AddLedger();
builder.AddServiceBus(typeof(Program).Assembly);
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();

app.MapServiceDefaults();
app.MapDutyPayments();

app.Run();

public partial class Program;

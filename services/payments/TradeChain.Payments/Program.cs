using TradeChain.Payments.Api;
using TradeChain.Payments.Infrastructure;
using TradeChain.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddTradeChainService<PaymentsDbContext>("payments", typeof(Program).Assembly);

var app = builder.Build();

app.MapServiceDefaults();
app.MapDutyPayments();

app.Run();

public partial class Program;

// The TradeChain system for a user (scripts/run.sh): the model in TradeChainModel.cs, with the settings from the
// configuration section TradeChain (ports, --fresh, --demo), Aspire's dashboard, and a summary once it is up.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TradeChain.AppHost;

var builder = DistributedApplication.CreateBuilder(args);
var settings = TradeChainSettings.From(builder.Configuration);
TradeChainModel.Add(builder, settings);
using var app = builder.Build();
var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
_ = Summary.ReportFailureAsync(app, stopping);
var up = settings.Console ? "console" : "payments";
try
{
    await app.StartAsync(stopping); // returns once every resource has been started (after what it waits for)
    foreach (var service in TradeChainModel.Services.Append(up).Distinct())
        await app.ResourceNotifications.WaitForResourceHealthyAsync(service, stopping);
    Summary.Print(settings, builder.Configuration);
    if (settings.Demo) await Summary.FollowAsync(app, "demo", stopping);
    Console.WriteLine();
    Console.WriteLine("Press Ctrl-C to stop everything.");
}
catch (OperationCanceledException) { }
await app.WaitForShutdownAsync(); // SIGTERM (or SIGINT in a terminal): stops every resource, then DCP

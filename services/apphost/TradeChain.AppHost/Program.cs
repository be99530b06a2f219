// The TradeChain system for a user (scripts/run.sh): the model in TradeChainModel.cs, with the settings from the
// configuration section TradeChain (ports, --fresh, --demo), Aspire's dashboard, and a summary once it is up.
// With TradeChain:TestInfrastructure=true, only what the tests share (scripts/test.sh): RabbitMQ and PostgreSQL.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TradeChain.AppHost;

// The test infrastructure needs no dashboard (and no dashboard settings).
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
{
    Args = args,
    DisableDashboard = args.Contains("TradeChain:TestInfrastructure=true", StringComparer.OrdinalIgnoreCase),
});
var settings = TradeChainSettings.From(builder.Configuration);
TradeChainModel.Add(builder, settings);
using var app = builder.Build();
if (settings.HostedByTests)
{
    // A test (Aspire's test host) built this same model; its start and stop go through this call, which it takes over.
    await app.RunAsync();
    return;
}
var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
_ = Summary.ReportFailureAsync(app, stopping);

string[] ready = settings.TestInfrastructure ? ["rabbitmq", "postgres"] : [.. TradeChainModel.Services, .. settings.Console ? ["console"] : Array.Empty<string>()];
try
{
    await app.StartAsync(stopping); // returns once every resource has been started (after what it waits for)
    foreach (var resource in ready) await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, stopping);
    if (settings.TestInfrastructure) Summary.WriteTestEnvironment(settings);
    else
    {
        Summary.Print(settings, builder.Configuration);
        if (settings.Demo) await Summary.FollowAsync(app, "demo", stopping);
        Console.WriteLine();
        Console.WriteLine("Press Ctrl-C to stop everything.");
    }
}
catch (OperationCanceledException) { }
await app.WaitForShutdownAsync(); // SIGTERM (or SIGINT in a terminal): stops every resource, then DCP

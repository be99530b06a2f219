using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>What a user of scripts/run.sh is told once the system is up: where everything is.</summary>
internal static class Summary
{
    public static void Print(TradeChainSettings s, IConfiguration configuration)
    {
        var dashboard = (configuration["ASPNETCORE_URLS"] ?? "").Split(';')[0];
        var token = configuration["AppHost:BrowserToken"];
        var cli = Path.Combine(s.CliDirectory, "tradechain.dll");
        var broker = s.Broker is { Length: > 0 } external
            ? $"{external} (external)"
            : $"amqp://127.0.0.1:{s.AmqpPort}        management http://127.0.0.1:{s.RabbitManagementPort} (guest/guest)";
        Console.WriteLine($"""

            TradeChain is up.
              dashboard  {(token is { Length: > 0 } ? $"{dashboard}/login?t={token}" : dashboard)}    resources, logs, traces, metrics (Aspire)
              console    http://127.0.0.1:{s.ConsolePort}    the web console: sign in as an exporter, a customs officer or a bank; public verifier at /verify
              customs    http://127.0.0.1:{s.CustomsPort}    API browser http://127.0.0.1:{s.CustomsPort}/scalar    OpenAPI /openapi/v1.json
              documents  http://127.0.0.1:{s.DocumentsPort}    API browser http://127.0.0.1:{s.DocumentsPort}/scalar
              payments   http://127.0.0.1:{s.PaymentsPort}    API browser http://127.0.0.1:{s.PaymentsPort}/scalar
              RabbitMQ   {broker}
              chain      http://127.0.0.1:{s.AnvilPort} (anvil, chain id 31337)   contracts {s.ChainFile}
              state      {s.StateDir}   (databases in data/; start with --fresh to empty it)
              tokens     dotnet {cli} token --role exporter --party EXP-ACME
            """);
    }

    /// <summary>Tells when a resource fails to start or exits with an error: its last log lines here, the rest in the dashboard.</summary>
    public static async Task ReportFailureAsync(DistributedApplication app, CancellationToken cancellation)
    {
        var (resource, state) = await Watch.FirstFailureAsync(app, cancellation);
        Console.Error.WriteLine($"[run] {resource}: {state}; its last lines:");
        foreach (var line in await Watch.RecentLogAsync(app, resource, 20)) Console.Error.WriteLine($"[{resource}] {line}");
        Console.Error.WriteLine("[run] the dashboard has the rest; Ctrl-C stops everything.");
    }

    /// <summary>Echoes a resource's log (the demo's steps) until it has exited.</summary>
    public static async Task FollowAsync(DistributedApplication app, string resource, CancellationToken cancellation)
    {
        Console.WriteLine();
        Console.WriteLine($"[{resource}] one export trade through the three services");
        using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var echo = Task.Run(async () =>
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(Watch.Resource(app, resource)).WithCancellation(following.Token))
                foreach (var line in batch) Console.WriteLine($"[{resource}] {line.Content}");
        }, CancellationToken.None);
        var exited = await app.ResourceNotifications.WaitForResourceAsync(resource, KnownResourceStates.TerminalStates, cancellation);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellation); // the last lines
        await following.CancelAsync();
        try { await echo; } catch (OperationCanceledException) { }
        Console.WriteLine($"[{resource}] {exited}");
    }
}

using Microsoft.Extensions.Configuration;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace TradeChain.AppHost;

/// <summary>What a user of scripts/run.sh is told once the system is up: where everything is.</summary>
internal static partial class Summary
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
              banks      http://127.0.0.1:{s.BankSignerPort} (the development banks' own signer: anvil holding their keys, eth_signTransaction)
              state      {s.StateDir}   (databases in data/; start with --fresh to empty it)
              tokens     dotnet {cli} token --role exporter --party EXP-ACME
            """);
    }

    /// <summary>
    /// The test infrastructure is up: its addresses as the tests read them, printed and written to StateDir/environment
    /// (scripts/test.sh sources that file once it exists).
    /// </summary>
    public static void WriteTestEnvironment(TradeChainSettings s)
    {
        var environment = $"""
            export TRADECHAIN_TEST_AMQP=amqp://guest:guest@127.0.0.1:{s.AmqpPort}/
            export TRADECHAIN_TEST_RABBIT_MGMT=http://127.0.0.1:{s.RabbitManagementPort}/
            export TRADECHAIN_TEST_POSTGRES="Host=127.0.0.1;Port={s.PostgresPort};Username=postgres"

            """;
        Console.Write(environment);
        var file = Path.Combine(s.StateDir, "environment");
        File.WriteAllText(file + ".tmp", environment);
        File.Move(file + ".tmp", file, overwrite: true);
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
                foreach (var line in batch.Select(l => Timestamp().Replace(l.Content, "")).Where(l => !Orchestration().IsMatch(l)))
                    Console.WriteLine($"[{resource}] {line}");
        }, CancellationToken.None);
        var exited = await app.ResourceNotifications.WaitForResourceAsync(resource, KnownResourceStates.TerminalStates, cancellation);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellation); // the last lines
        await following.CancelAsync();
        try { await echo; } catch (OperationCanceledException) { }
        Console.WriteLine($"[{resource}] {exited}");
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT[\d:.]+Z ")]
    private static partial Regex Timestamp();

    /// <summary>Aspire's own lines in a resource's log (waiting for what it waits for, starting the process).</summary>
    [GeneratedRegex(@"^(Waiting for resource|Finished waiting for|No custom certificate|\[sys\] )")]
    private static partial Regex Orchestration();
}

using System.Net;
using System.Text.Json.Nodes;
using TradeChain.Testing;
using Xunit.Abstractions;

namespace TradeChain.IntegrationTests;

/// <summary>
/// Health that tells the truth (issue 14, item 5): readiness means "can serve its API", so a hanging chain node or a dead
/// broker never takes a service out of rotation; both are reported as degraded dependencies, each check within its own short
/// timeout, in words that name no address and no exception.
/// </summary>
public sealed class HealthTests(ITestOutputHelper output)
{
    /// <summary>The readiness probe's timeout in deploy/k8s (timeoutSeconds: 5): an answer slower than this fails the probe.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private static readonly string[] Services = ["customs", "documents", "payments"];

    [Fact]
    public async Task A_hanging_chain_node_and_a_dead_broker_leave_every_service_ready_and_are_reported_as_degraded_dependencies()
    {
        await using var system = await TradeChainSystem.StartAsync(ownBroker: true);
        using var probe = new HttpClient { Timeout = ProbeTimeout };
        Uri Health(string service, string path) =>
            new((service switch { "customs" => system.Customs, "documents" => system.Documents, _ => system.Payments }).BaseAddress, $"health/{path}");

        // Healthy once each service's bus connection is up (a service is ready before its broker connection completes).
        foreach (var service in Services)
            await UntilAsync(probe, Health(service, "dependencies"), d => d["status"]!.GetValue<string>() == "Healthy");

        // SIGSTOP: the node accepts connections and answers nothing — the stall that hung every probe for about 20 s.
        // Until every service was probed (at most 90 s; ended below): a fixed 30 s could run out on a busy machine before the last.
        using var resume = new CancellationTokenSource();
        var stall = system.Chain.StallAsync(TimeSpan.FromSeconds(90), resume.Token);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            foreach (var service in Services)
            {
                Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync(Health(service, "ready"))).StatusCode);
                var dependencies = await DependenciesAsync(probe, Health(service, "dependencies"));
                Assert.Equal("Degraded", dependencies["status"]!.GetValue<string>());
                Assert.Equal("Degraded", dependencies["checks"]!["chain"]!["status"]!.GetValue<string>());
                Assert.Equal("Healthy", dependencies["checks"]!["bus"]!["status"]!.GetValue<string>());
                AssertNamesNoAddressOrException(dependencies, system);
            }
        }
        finally
        {
            await resume.CancelAsync();
            await stall;
        }
        foreach (var service in Services)
            await UntilAsync(probe, Health(service, "dependencies"), d => d["checks"]!["chain"]!["status"]!.GetValue<string>() == "Healthy");

        await system.OwnBroker!.KillAsync();
        foreach (var service in Services)
        {
            var dependencies = await UntilAsync(probe, Health(service, "dependencies"), d => d["checks"]!["bus"]!["status"]!.GetValue<string>() != "Healthy");
            Assert.Equal("Degraded", dependencies["status"]!.GetValue<string>());
            Assert.Equal("Degraded", dependencies["checks"]!["bus"]!["status"]!.GetValue<string>());
            Assert.Equal("Healthy", dependencies["checks"]!["chain"]!["status"]!.GetValue<string>());
            AssertNamesNoAddressOrException(dependencies, system);
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync(Health(service, "ready"))).StatusCode);
        }

        await system.OwnBroker.StartAgainAsync();
        foreach (var service in Services)
            await UntilAsync(probe, Health(service, "dependencies"), d => d["status"]!.GetValue<string>() == "Healthy", TimeSpan.FromMinutes(2));
    }

    private async Task<JsonObject> DependenciesAsync(HttpClient probe, Uri uri)
    {
        using var response = await probe.GetAsync(uri);
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{uri}: {(int)response.StatusCode} {body}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // degraded is still 200: the service works on
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Probes until <paramref name="done"/> holds (a broker's loss is noticed when its connection drops, not at once).</summary>
    private async Task<JsonObject> UntilAsync(HttpClient probe, Uri uri, Func<JsonObject, bool> done, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var dependencies = await DependenciesAsync(probe, uri);
            if (done(dependencies)) return dependencies;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{uri} never reached the expected state: {dependencies.ToJsonString()}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static void AssertNamesNoAddressOrException(JsonObject dependencies, TradeChainSystem system)
    {
        var text = dependencies.ToJsonString();
        Assert.DoesNotContain($"127.0.0.1:{system.Chain.Port}", text);
        Assert.DoesNotContain("amqp://", text);
        Assert.DoesNotContain("Exception", text);
    }
}

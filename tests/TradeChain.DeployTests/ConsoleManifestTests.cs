using System.Text.Json.Nodes;

namespace TradeChain.DeployTests;

/// <summary>
/// The console as each overlay deploys it: wired to the services' Kubernetes Services, signing people in with the same
/// OpenID Connect provider and claim names the services validate with, its client secret from a Secret, reachable
/// through the Ingress and allowed by the NetworkPolicies to reach exactly what it calls. (validate.mjs checks its
/// schema, probes, limits, image and non-root like every workload's.)
/// </summary>
public sealed class ConsoleManifestTests
{
    /// <summary>kubectl kustomize, then YAML → JSON with the validator's own yaml package.</summary>
    private static async Task<List<JsonObject>> RenderAsync(string overlay)
    {
        await ManifestValidationTests.EnsureValidatorInstalledAsync();
        const string script = """
            import { execFileSync } from 'node:child_process';
            import { parseAllDocuments } from 'yaml';
            const text = execFileSync(process.env.KUBECTL || 'kubectl', ['kustomize', process.argv[1]], { encoding: 'utf8', maxBuffer: 64 << 20 });
            console.log(JSON.stringify(parseAllDocuments(text).map(d => d.toJS()).filter(o => o)));
            """;
        var result = await Repo.RunAsync("node", Repo.PathOf("deploy", "validate"), TimeSpan.FromMinutes(2),
            "--input-type=module", "-e", script, Repo.PathOf("deploy", "k8s", "overlays", overlay));
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonNode.Parse(result.Output)!.AsArray().Select(o => o!.AsObject()).ToList();
    }

    private static JsonObject Find(List<JsonObject> objects, string kind, string name) =>
        objects.SingleOrDefault(o => (string?)o["kind"] == kind && (string?)o["metadata"]!["name"] == name)
        ?? throw new Xunit.Sdk.XunitException($"{kind}/{name} is not deployed");

    private static string? Data(List<JsonObject> objects, string configMap, string key) => (string?)Find(objects, "ConfigMap", configMap)["data"]![key];

    public static TheoryData<string> Overlays() => new(["dev", "production"]);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_console_calls_the_services_through_their_Kubernetes_Services(string overlay)
    {
        var objects = await RenderAsync(overlay);

        foreach (var (setting, service) in new[] { ("Services__Customs", "customs"), ("Services__Documents", "documents"), ("Services__Payments", "payments") })
        {
            var url = new Uri(Data(objects, "tradechain-console-config", setting)!);
            var ports = Find(objects, "Service", service)["spec"]!["ports"]!.AsArray().Select(p => (int)p!["port"]!);
            Assert.Equal(service, url.Host);
            Assert.Contains(url.Port, ports);
        }
        var console = Find(objects, "Service", "console")["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal((5100, "http"), ((int)console["port"]!, (string)console["targetPort"]!));
        var backend = Find(objects, "Ingress", "console")["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!;
        Assert.Equal(("console", "http"), ((string)backend["name"]!, (string)backend["port"]!["name"]!));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_console_and_the_services_trust_the_same_identity_provider_and_read_the_same_claims(string overlay)
    {
        var objects = await RenderAsync(overlay);
        var container = Find(objects, "Deployment", "console")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!);
        var envFrom = container["envFrom"]!.AsArray().Select(e => (string)e!["configMapRef"]!["name"]!).ToList();

        Assert.StartsWith("https://", Data(objects, "tradechain-config", "Auth__Authority"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(Data(objects, "tradechain-config", "Auth__RoleClaim")));
        Assert.False(string.IsNullOrEmpty(Data(objects, "tradechain-config", "Auth__PartyClaim")));
        // The console reads the services' settings (tradechain-config) before its own, and takes the provider from them.
        Assert.Equal(["tradechain-config", "tradechain-console-config"], envFrom);
        Assert.Equal("$(Auth__Authority)", (string?)env["Oidc__Authority"]["value"]);
        Assert.Equal("$(Auth__RoleClaim)", (string?)env["Oidc__RoleClaim"]["value"]);
        Assert.Equal("$(Auth__PartyClaim)", (string?)env["Oidc__PartyClaim"]["value"]);
        Assert.Equal("OpenIdConnect", Data(objects, "tradechain-console-config", "SignIn__Mode"));
        Assert.Equal("Production", Data(objects, "tradechain-config", "ASPNETCORE_ENVIRONMENT"));
        Assert.False(string.IsNullOrEmpty(Data(objects, "tradechain-console-config", "Oidc__ClientId")));
        var secret = env["Oidc__ClientSecret"]["valueFrom"]!["secretKeyRef"]!;
        Assert.Equal(("tradechain-console", "oidc-client-secret"), ((string)secret["name"]!, (string)secret["key"]!));
        // Every service Deployment reads the same tradechain-config, and none still needs the development HMAC key.
        foreach (var deployment in objects.Where(o => (string?)o["kind"] == "Deployment" && (string?)o["spec"]!["template"]!["metadata"]!["labels"]!["tradechain.io/role"] == "service"))
        {
            var service = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
            Assert.Contains("tradechain-config", service["envFrom"]!.AsArray().Select(e => (string?)e!["configMapRef"]?["name"]));
            Assert.DoesNotContain("Auth__SigningKey", service["env"]!.AsArray().Select(e => (string?)e!["name"]));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_network_policies_let_the_console_reach_the_services_and_nothing_of_theirs(string overlay)
    {
        var objects = await RenderAsync(overlay);
        static IEnumerable<string?> Roles(JsonNode? peers) =>
            peers!.AsArray().Select(p => (string?)p!["podSelector"]?["matchLabels"]?["tradechain.io/role"]);

        var console = Find(objects, "NetworkPolicy", "console")["spec"]!;
        Assert.Equal("console", (string?)console["podSelector"]!["matchLabels"]!["tradechain.io/role"]);
        Assert.Contains(console["egress"]!.AsArray(), rule => Roles(rule!["to"]).Contains("service") && rule!["ports"]!.AsArray().Any(p => (int)p!["port"]! == 8080));
        Assert.DoesNotContain(console["egress"]!.AsArray(), rule => rule!["to"]!.AsArray().Any(p =>
            (string?)p!["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"] is "rabbitmq" or "postgres"));
        var services = Find(objects, "NetworkPolicy", "services")["spec"]!;
        Assert.Contains(services["ingress"]!.AsArray(), rule => Roles(rule!["from"]).Contains("console"));
        // The provider's discovery and keys: the services validate tokens, the console redeems sign-in codes.
        var provider = Find(objects, "NetworkPolicy", "identity-provider")["spec"]!;
        Assert.Equal(["service", "console"], provider["podSelector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => (string)v!));
    }
}

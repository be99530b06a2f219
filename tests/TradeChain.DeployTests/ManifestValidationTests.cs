namespace TradeChain.DeployTests;

/// <summary>
/// Runs deploy/validate/validate.mjs (kubectl kustomize + kubernetes-models schemas + our rules) over every real
/// overlay, which must pass, and over every broken fixture, which must fail on exactly the check it breaks.
/// </summary>
public sealed class ManifestValidationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<Task> Installed = new(InstallValidatorAsync);

    /// <summary>deploy/validate's npm packages (kubernetes-models, yaml), installed once per test run.</summary>
    internal static Task EnsureValidatorInstalledAsync() => Installed.Value;

    private static async Task InstallValidatorAsync()
    {
        var validate = Repo.PathOf("deploy", "validate");
        if (Directory.Exists(Path.Combine(validate, "node_modules", "kubernetes-models"))) return;
        var result = await Repo.RunAsync("npm", validate, TimeSpan.FromMinutes(5), "ci", "--no-audit", "--no-fund");
        Assert.True(result.ExitCode == 0, $"npm ci in deploy/validate failed:\n{result.Output}");
    }

    private static async Task<Repo.ProcessResult> ValidateAsync(string target)
    {
        await Installed.Value;
        return await Repo.RunAsync("node", Repo.Root, Timeout, "deploy/validate/validate.mjs", target);
    }

    private static List<string> OverlayNames() =>
        Directory.GetDirectories(Repo.PathOf("deploy", "k8s", "overlays")).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Overlays() => new(OverlayNames());

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_overlay_renders_and_passes_every_check(string overlay)
    {
        var result = await ValidateAsync($"deploy/k8s/overlays/{overlay}");

        Assert.True(result.ExitCode == 0, $"validation of overlay {overlay} failed:\n{Failures(result.Output)}");
        Assert.Contains("PASS  render", result.Output);
        Assert.Contains(", 0 failures", result.Output);
        // The checks really ran on the workloads, not just on an empty render.
        foreach (var check in new[] { "schema", "probes", "resources", "images", "non-root", "secrets", "party-key" })
            Assert.Contains($"PASS  {check}", result.Output);
        // No service of the overlay is given a party's key: in particular not the services' shared configuration.
        Assert.Contains($"PASS  party-key deploy/k8s/overlays/{overlay} ConfigMap/tradechain-config", result.Output);
        Assert.Contains($"PASS  party-key deploy/k8s/overlays/{overlay} Deployment/payments", result.Output);
        Assert.Contains($"PASS  party-key deploy/k8s/overlays/{overlay} Deployment/documents", result.Output);
        // The console is a workload like the services: every rule ran on it too.
        foreach (var check in new[] { "schema", "probes", "resources", "images", "non-root", "secrets" })
            Assert.Contains($"PASS  {check.PadRight(9)} deploy/k8s/overlays/{overlay} Deployment/console", result.Output);
    }

    [Fact]
    public void Both_overlays_exist() => Assert.Equal(["dev", "production"], OverlayNames());

    [Theory]
    [InlineData("broken-misspelled-field", "schema", "unknown field \"imagePullPolice\"")]
    [InlineData("broken-missing-probe", "probes", "container documents has no readinessProbe")]
    [InlineData("broken-missing-limits", "resources", "container deploy has no limits.memory")]
    [InlineData("broken-latest-tag", "images", "uses the latest tag")]
    [InlineData("broken-untagged-image", "images", "has no tag")]
    [InlineData("broken-plaintext-secret", "secrets", "a Secret with values is committed")]
    [InlineData("broken-secret-env-value", "secrets", "Auth__SigningKey has a literal value")]
    [InlineData("broken-runs-as-root", "non-root", "container postgres is not runAsNonRoot")]
    [InlineData("broken-party-key", "party-key", "Parties__Keys__BNK-HSBC gives a service a party's key")]
    [InlineData("broken-two-writers", "one-writer", "scales Deployment customs, which runs ReleaseAttestation__Enabled")]
    [InlineData("broken-worker-replicas", "one-writer", "Deployment payments-worker runs Anchoring__Enabled, Outbox__DispatchEnabled, Payments__SettlementWorkerEnabled (not \"false\") with replicas 2")]
    [InlineData("broken-rpc-affinity", "rpc-affinity", "Service besu-rpc serves JSON-RPC on 8545 without sessionAffinity: ClientIP")]
    public async Task Every_broken_fixture_fails_on_the_check_it_breaks(string fixture, string check, string problem)
    {
        var result = await ValidateAsync($"deploy/validate/fixtures/{fixture}");

        Assert.Equal(1, result.ExitCode);
        var failures = result.Output.Split('\n').Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(failures);
        Assert.Contains(failures, l => l.StartsWith($"FAIL  {check}", StringComparison.Ordinal) && l.Contains(problem, StringComparison.Ordinal));
        // Broken in exactly the one way it claims: the fixture proves that check, not another.
        Assert.All(failures, l => Assert.StartsWith($"FAIL  {check}", l));
    }

    [Fact]
    public void Every_fixture_is_covered_by_a_test()
    {
        var fixtures = Directory.GetDirectories(Repo.PathOf("deploy", "validate", "fixtures")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        var tested = typeof(ManifestValidationTests).GetMethod(nameof(Every_broken_fixture_fails_on_the_check_it_breaks))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).First()[0]).Order(StringComparer.Ordinal);
        Assert.Equal(fixtures, tested);
    }

    [Fact]
    public async Task A_missing_target_cannot_render()
    {
        var result = await ValidateAsync("deploy/validate/fixtures/does-not-exist");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("FAIL  render", result.Output);
    }

    private static string Failures(string output) =>
        string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("PASS", StringComparison.Ordinal)));
}

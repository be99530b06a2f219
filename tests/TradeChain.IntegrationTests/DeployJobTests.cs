using System.Text.Json;
using System.Text.RegularExpressions;
using TradeChain.Ledger;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests;

/// <summary>
/// The Kubernetes contract deploy Job, replayed on an empty anvil chain: the CLI with exactly the Job's options (service
/// accounts and banks from the kustomization, the chain id from the services' ConfigMap) must land every contract where
/// the services' ConfigMap says, and a second run must change nothing.
/// </summary>
public sealed class DeployJobTests
{
    private static string Repo(string path) => Path.Combine(TestEnvironment.RepoRoot, path);

    [Fact]
    public async Task The_deploy_job_lands_every_contract_where_the_services_configuration_expects_it_and_a_rerun_changes_nothing()
    {
        var kustomization = await File.ReadAllTextAsync(Repo("deploy/k8s/base/besu/kustomization.yaml"));
        string Literal(string key) => Regex.Match(kustomization, $@"- {key}=([^\s]+)").Groups[1].Value;
        var config = await File.ReadAllTextAsync(Repo("deploy/k8s/base/services/config.yaml"));
        string Configured(string key) => Regex.Match(config, $@"{key}: ""([^""]+)""").Groups[1].Value;

        await using var chain = await AnvilNode.StartAsync(deploy: false);
        var directory = TestEnvironment.NewTempDirectory("deploy-job");
        var keyFile = Path.Combine(directory, "deployer");
        await File.WriteAllTextAsync(keyFile, DevelopmentAccounts.DeployerKey); // the PUBLIC anvil #0 key the dev overlay's Secret holds
        var outFile = Path.Combine(directory, "deployment.json");
        var options = new Dictionary<string, string>
        {
            ["rpc"] = chain.RpcUrl, ["out"] = outFile, ["chain-id"] = Configured("Chain__ChainId"), ["deployer-key-file"] = keyFile,
            ["customs"] = Literal("customs"), ["documents"] = Literal("documents"), ["payments"] = Literal("payments"), ["banks"] = Literal("banks"),
        };

        var first = new StringWriter();
        Assert.Equal(0, await TradeChain.Cli.DeployCommand.RunAsync(options, first, first));
        Assert.Contains("deployed at", first.ToString());
        var deployment = ChainDeployment.Load(outFile)!;
        Assert.Equal(Configured("Chain__DocumentStoreAddress"), deployment.DocumentStoreAddress, ignoreCase: true);
        Assert.Equal(Configured("Chain__TransitionAnchorAddress"), deployment.TransitionAnchorAddress, ignoreCase: true);
        Assert.Equal(Configured("Chain__TitleRegistryAddress"), deployment.TitleRegistryAddress, ignoreCase: true);
        foreach (var currency in LedgerDeployer.SettlementCurrencies)
        {
            Assert.Equal(Configured($"Chain__Settlement__{currency}__Token"), deployment.Settlement[currency].Token, ignoreCase: true);
            Assert.Equal(Configured($"Chain__Settlement__{currency}__Escrow"), deployment.Settlement[currency].Escrow, ignoreCase: true);
        }

        var again = new StringWriter();
        Assert.Equal(0, await TradeChain.Cli.DeployCommand.RunAsync(options, again, again));
        Assert.Equal(JsonSerializer.Serialize(deployment), JsonSerializer.Serialize(ChainDeployment.Load(outFile)));
        Assert.DoesNotContain("deployed at", again.ToString()); // nothing new deployed
        Assert.DoesNotContain("granted", again.ToString());     // no role granted twice
    }
}

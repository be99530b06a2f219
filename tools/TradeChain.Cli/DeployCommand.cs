using Nethereum.Util;
using Nethereum.Web3.Accounts;
using TradeChain.Ledger;

namespace TradeChain.Cli;

/// <summary>
/// `tradechain deploy`: deploys the contracts and grants each service account its roles (idempotent given the earlier
/// deployment in --out). For a real network every one of --chain-id, the deployer key (--deployer-key-env NAME or
/// --deployer-key-file FILE: never the key itself on the command line) and --customs/--documents/--payments ADDRESS is
/// required; with none of them it uses the public local development values (chain 31337, anvil accounts #0–#3).
/// </summary>
public static class DeployCommand
{
    private static readonly string[] Services = ["customs", "documents", "payments"];
    private static readonly string[] NetworkOptions = ["chain-id", "deployer-key-env", "deployer-key-file", .. Services];

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        if (options.ContainsKey("deployer-key"))
        {
            await error.WriteLineAsync("deploy does not take the key itself (it would stay in the shell history and the process list): " +
                                       "use --deployer-key-env NAME or --deployer-key-file FILE");
            return 2;
        }
        var rpc = options.GetValueOrDefault("rpc", "http://127.0.0.1:8545");
        long chainId;
        string deployerKey;
        IReadOnlyDictionary<string, string> accounts;
        IReadOnlyCollection<string>? banks = null;
        if (!NetworkOptions.Any(options.ContainsKey))
        {
            chainId = DevelopmentAccounts.ChainId;
            deployerKey = DevelopmentAccounts.DeployerKey;
            accounts = LedgerDeployer.DevelopmentServiceAccounts();
            banks = LedgerDeployer.DevelopmentBanks(); // BANK_ROLE and an own account on every settlement token
            await error.WriteLineAsync($"deploy: no --chain-id, deployer key or service accounts given: using the PUBLIC development deployer and " +
                                       $"service accounts on chain {chainId} (local chains only)");
        }
        else
        {
            var problems = new List<string>();
            chainId = 0;
            if (!options.TryGetValue("chain-id", out var chain) || !long.TryParse(chain, out chainId) || chainId <= 0)
                problems.Add("--chain-id needs the chain's id (a positive number)");
            deployerKey = ReadKey(options, "deployer", problems) ?? "";
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var service in Services)
            {
                if (options.TryGetValue(service, out var address) && AddressUtil.Current.IsValidEthereumAddressHexFormat(address))
                    given[service] = address;
                else
                    problems.Add($"--{service} needs the {service} service's account address (0x followed by 40 hex digits)");
            }
            accounts = given;
            // --banks 0xA,0xB: the banks' accounts, given BANK_ROLE and an own account on every settlement token.
            if (options.TryGetValue("banks", out var bankList))
            {
                var listed = bankList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                foreach (var bank in listed.Where(b => !AddressUtil.Current.IsValidEthereumAddressHexFormat(b)))
                    problems.Add($"--banks: {bank} is not an account address (0x followed by 40 hex digits)");
                banks = listed;
            }
            if (problems.Count > 0)
            {
                await error.WriteLineAsync("deploy for a network needs all of --chain-id, --deployer-key-env or --deployer-key-file, --customs, --documents " +
                                           "and --payments (none of them: the local development values):");
                foreach (var problem in problems) await error.WriteLineAsync("  " + problem);
                return 2;
            }
            await output.WriteLineAsync($"deploying on chain {chainId} as {new Account(deployerKey, chainId).Address}");
        }

        if (!await NodeRunsChainAsync(rpc, chainId, error)) return 1;

        var outFile = options.GetValueOrDefault("out");
        var existing = outFile is null ? null : ChainDeployment.Load(outFile);
        var deployment = await LedgerDeployer.DeployAsync(rpc, chainId, deployerKey, accounts, existing, output, banks);
        if (outFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            await File.WriteAllTextAsync(outFile, deployment.ToJson());
        }
        await output.WriteLineAsync(deployment.ToJson());
        return 0;
    }

    /// <summary>
    /// True when the node at <paramref name="rpc"/> answers and runs <paramref name="chainId"/>: a key signs for one chain
    /// id, and a node on another chain would refuse every transaction with a vaguer message.
    /// </summary>
    internal static async Task<bool> NodeRunsChainAsync(string rpc, long chainId, TextWriter error)
    {
        try
        {
            var nodeChainId = (long)(await new Nethereum.Web3.Web3(rpc).Eth.ChainId.SendRequestAsync()).Value;
            if (nodeChainId == chainId) return true;
            await error.WriteLineAsync($"the node at {rpc} runs chain id {nodeChainId}, not {chainId}");
            return false;
        }
        catch (Nethereum.JsonRpc.Client.RpcClientUnknownException e)
        {
            await error.WriteLineAsync($"the node at {rpc} does not answer: {e.InnerException?.Message ?? e.Message}");
            return false;
        }
    }

    /// <summary>
    /// A private key from the environment variable or file named by --<paramref name="who"/>-key-env or
    /// --<paramref name="who"/>-key-file (the deployer's, the admin's); never echoed, never an argument itself.
    /// </summary>
    internal static string? ReadKey(IReadOnlyDictionary<string, string> options, string who, List<string> problems)
    {
        string? key = null;
        if (options.TryGetValue($"{who}-key-env", out var variable) && options.ContainsKey($"{who}-key-file"))
            problems.Add($"give the {who} key once: --{who}-key-env or --{who}-key-file");
        else if (variable is not null)
            key = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : Missing($"environment variable {variable} is not set");
        else if (options.TryGetValue($"{who}-key-file", out var file))
            key = File.Exists(file) ? File.ReadAllText(file) : Missing($"{who} key file {file} does not exist");
        else
            problems.Add($"--{who}-key-env NAME or --{who}-key-file FILE needs to name where the {who}'s private key is");
        key = key?.Trim();
        if (key is not null)
        {
            var hex = key.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? key[2..] : key;
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit)) key = Missing($"the {who} key is not 32 bytes of hex (the key is not shown)");
        }
        return key;

        string? Missing(string problem)
        {
            problems.Add(problem);
            return null;
        }
    }
}

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TradeChain.Ledger;

namespace TradeChain.Testing;

/// <summary>
/// A real anvil chain on a free port, with TradeChain's contracts deployed and the service roles granted. Its state
/// is kept in a file, so it can be stopped (an outage) and started again with everything on it.
/// </summary>
public sealed class AnvilNode : IAsyncDisposable
{
    private readonly string _statePath;
    private Process _process;

    private AnvilNode(Process process, int port, string statePath, ChainDeployment deployment)
    {
        _process = process;
        Port = port;
        _statePath = statePath;
        Deployment = deployment;
    }

    public int Port { get; }

    public string RpcUrl => $"http://127.0.0.1:{Port}";

    public ChainDeployment Deployment { get; }

    /// <param name="deploy">False: an empty chain, for tests that deploy themselves.</param>
    public static async Task<AnvilNode> StartAsync(bool deploy = true)
    {
        if (!File.Exists(TestEnvironment.AnvilPath))
            throw new InvalidOperationException($"anvil not found at {TestEnvironment.AnvilPath}: run scripts/test.sh (it installs contracts/node_modules).");
        int port;
        string statePath, rpc;
        Process process;
        for (var attempt = 1; ; attempt++)
        {
            port = TestEnvironment.FreePort();
            statePath = Path.Combine(Path.GetTempPath(), $"tradechain-anvil-{port}-{Guid.NewGuid():N}.json");
            process = Launch(port, statePath);
            rpc = $"http://127.0.0.1:{port}";
            await WaitForRpcAsync(rpc);
            // Answered, but by this node? One that could not bind its port (taken meanwhile by another test's process) has
            // exited, and another test's node answered: this test would write to that chain, and stalling or stopping "its"
            // node would touch a process that is gone. Another port then.
            if (!process.HasExited) break;
            process.Dispose();
            if (attempt == 3) throw new InvalidOperationException($"anvil exited after starting on port {port} three times (its port taken each time)");
        }
        var deployment = deploy
            ? await LedgerDeployer.DeployAsync(rpc, DevelopmentAccounts.ChainId, DevelopmentAccounts.DeployerKey,
                LedgerDeployer.DevelopmentServiceAccounts(), bankAccounts: LedgerDeployer.DevelopmentBanks())
            : new ChainDeployment(DevelopmentAccounts.ChainId, rpc, "", "", new Dictionary<string, string>());
        return new AnvilNode(process, port, statePath, deployment);
    }

    /// <summary>Stops the node (it saves its state on SIGTERM): the chain is down until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Freezes the node (SIGSTOP) for <paramref name="duration"/>, or until <paramref name="resumeEarly"/> is cancelled, then
    /// lets it go on (SIGCONT): its port still takes connections but nothing is answered meanwhile, as a hung node.
    /// </summary>
    public Task StallAsync(TimeSpan duration, CancellationToken resumeEarly = default) =>
        _process.HasExited ? throw new InvalidOperationException("anvil is not running: there is nothing to stall")
        : Signals.StallAsync(_process.Id, duration, resumeEarly);

    /// <summary>Starts the node again on the same port from its saved state: same contracts, same history.</summary>
    public async Task StartAgainAsync()
    {
        _process.Dispose();
        _process = Launch(Port, _statePath);
        await WaitForRpcAsync(RpcUrl);
    }

    private static Process Launch(int port, string statePath)
    {
        var process = Process.Start(new ProcessStartInfo(TestEnvironment.AnvilPath,
            ["--port", port.ToString(), "--host", "127.0.0.1", "--chain-id", DevelopmentAccounts.ChainId.ToString(), "--silent", "--state", statePath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public ChainOptions OptionsFor(string privateKey) => new()
    {
        RpcUrl = RpcUrl,
        ChainId = DevelopmentAccounts.ChainId,
        PrivateKey = privateKey,
        DocumentStoreAddress = Deployment.DocumentStoreAddress,
        TransitionAnchorAddress = Deployment.TransitionAnchorAddress,
        TitleRegistryAddress = Deployment.TitleRegistryAddress,
        Settlement = Deployment.Settlement.ToDictionary(p => p.Key, p => new SettlementContractAddresses { Token = p.Value.Token, Escrow = p.Value.Escrow },
            StringComparer.OrdinalIgnoreCase),
        MaxAttempts = 3,
    };

    internal static async Task WaitForRpcAsync(string rpc)
    {
        using var http = new HttpClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var response = await http.PostAsJsonAsync(rpc, new { jsonrpc = "2.0", id = 1, method = "eth_blockNumber", @params = Array.Empty<object>() });
                if (response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<JsonObject>())?["result"] is not null) return;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(20)) { }
            if (deadline.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException($"anvil at {rpc} did not answer within 20 s");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        catch (InvalidOperationException) { }
        _process.Dispose();
        File.Delete(_statePath);
    }
}

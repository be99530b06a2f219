using System.Diagnostics;
using TradeChain.Ledger;

namespace TradeChain.Testing;

/// <summary>
/// A second anvil on a free port that only signs: it holds the accounts of a mnemonic (by default the development banks',
/// <see cref="DevelopmentBankSigners.Mnemonic"/>) and answers <c>eth_signTransaction</c> for them, as a bank's own remote
/// signer would. Same chain id as the chain the transactions go to; it mines nothing.
/// </summary>
public sealed class BankSignerNode : IAsyncDisposable
{
    private readonly Process _process;

    private BankSignerNode(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public static async Task<BankSignerNode> StartAsync(string mnemonic = DevelopmentBankSigners.Mnemonic)
    {
        if (!File.Exists(TestEnvironment.AnvilPath))
            throw new InvalidOperationException($"anvil not found at {TestEnvironment.AnvilPath}: run scripts/test.sh (it installs contracts/node_modules).");
        var port = TestEnvironment.FreePort();
        var process = Process.Start(new ProcessStartInfo(TestEnvironment.AnvilPath,
            ["--port", port.ToString(), "--host", "127.0.0.1", "--chain-id", DevelopmentAccounts.ChainId.ToString(), "--accounts", DevelopmentBankSigners.AccountCount.ToString(),
                "--mnemonic", mnemonic, "--no-mining", "--silent"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new BankSignerNode(process, port);
        try
        {
            await AnvilNode.WaitForRpcAsync(node.Url);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        try { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

/// <summary>
/// The keys of the development banks' signer accounts (<see cref="DevelopmentBankSigners"/>): m/44'/60'/0'/0/i of the
/// PUBLIC BIP-39 test mnemonic "abandon … about", as anvil prints them. For tests that act as a bank on chain directly
/// (a colluding bank, a bank writing behind the services' back, the contracts' own tests) — never given to a service.
/// </summary>
public static class DevelopmentBankKeys
{
    private static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["BNK-VCB"] = "0x1ab42cc412b618bdea3a599e3c9bae199ebf030895b039e9db1e30dafb12b727", // account 0, PUBLIC
        ["BNK-HSBC"] = "0x9a983cb3d832fbde5ab49d692b7a8bf5b5d232479c99333d0fc8e1d21f1b55b6", // account 1, PUBLIC
        ["BNK-TREASURY"] = "0x5b824bd1104617939cd07c117ddc4301eb5beeca0904f964158963d69ab9d831", // account 2, PUBLIC
    };

    /// <summary>The PUBLIC key of development bank <paramref name="party"/>'s signer account.</summary>
    public static string KeyOf(string party) =>
        Keys.TryGetValue(party, out var key) ? key : throw new ArgumentException($"{party} is not a development bank", nameof(party));

    /// <summary>A development bank's key, or for any other party its <see cref="PartyWallets.DevelopmentKey"/> — the key the system signs that party's steps with.</summary>
    public static string KeyOfParty(string party) => Keys.TryGetValue(party, out var key) ? key : PartyWallets.DevelopmentKey(party);
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace TradeChain.ConsoleTests.Infrastructure;

/// <summary>
/// A browser wallet in the page (EIP-1193 <c>window.ethereum</c>) as MetaMask behaves: it offers one account, refuses
/// <c>eth_signTransaction</c> (4200, unsupported) and signs only by sending — it picks the nonce, signs and sends the
/// transaction to the chain itself, and answers its hash. The key is not in the test: the account's signer node (the
/// development banks' signer, which holds their keys as a wallet would) signs, and the transaction goes to the system's
/// chain. No wallet extension can be installed in the test browser; this stands in for one.
/// </summary>
/// <param name="startsOnChain">The network the wallet is on at first (e.g. 1, Ethereum); null: TradeChain's. It switches to
/// TradeChain's when asked (wallet_switchEthereumChain, EIP-3326) and knows no other network (4902).</param>
/// <param name="signsWithoutSending">Instead, a wallet that signs a transaction without sending it (<c>eth_signTransaction</c>,
/// as hardware wallets through Frame or WalletConnect do): the key it holds (here the party's PUBLIC development key),
/// signing exactly the transaction asked, nonce and all.</param>
/// <param name="sendsWith">The key the wallet sends with, for an account no signer node holds (a party that keeps its key):
/// still a wallet that signs only by sending.</param>
public sealed class BrowserWalletStandIn(string? signerUrl, string chainUrl, string account, long? startsOnChain = null, string? signsWithoutSending = null,
    string? sendsWith = null)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private long? _onOtherChain = startsOnChain;

    /// <summary>The methods the page asked for, in order.</summary>
    public List<string> Asked { get; } = [];

    /// <summary>The transactions the wallet sent (hashes).</summary>
    public List<string> Sent { get; } = [];

    /// <summary>Puts the wallet into every document the page loads from now on.</summary>
    public async Task InstallAsync(IPage page)
    {
        await page.ExposeFunctionAsync<string, string, Task<string>>("tradechainTestWallet", AnswerAsync);
        await page.AddInitScriptAsync("""
            window.ethereum = {
              isMetaMask: true,
              request: async ({ method, params }) => {
                const answer = JSON.parse(await window.tradechainTestWallet(method, JSON.stringify(params ?? [])));
                if (answer.error) { const e = new Error(answer.error.message); e.code = answer.error.code; throw e; }
                return answer.result;
              },
            };
            """);
    }

    private async Task<string> AnswerAsync(string method, string parameters)
    {
        lock (Asked) Asked.Add(method);
        try
        {
            JsonNode? result = method switch
            {
                "eth_requestAccounts" or "eth_accounts" => new JsonArray(account),
                "eth_chainId" => _onOtherChain is { } other ? "0x" + other.ToString("x") : await RpcAsync(chainUrl, "eth_chainId", new JsonArray()),
                "wallet_switchEthereumChain" => await SwitchAsync(JsonNode.Parse(parameters)!.AsArray()[0]!["chainId"]!.GetValue<string>()),
                "eth_signTransaction" when signsWithoutSending is { } key => SignHere(JsonNode.Parse(parameters)!.AsArray()[0]!.AsObject(), key),
                "eth_signTransaction" => throw new WalletError(4200, "The method \"eth_signTransaction\" is not supported by this wallet."),
                "eth_sendTransaction" => await SendAsync(JsonNode.Parse(parameters)!.AsArray()[0]!.AsObject()),
                _ => throw new WalletError(4200, $"The method \"{method}\" is not supported by this wallet."),
            };
            return new JsonObject { ["result"] = result }.ToJsonString();
        }
        catch (WalletError e)
        {
            return new JsonObject { ["error"] = new JsonObject { ["code"] = e.Code, ["message"] = e.Message } }.ToJsonString();
        }
    }

    /// <summary>Signs as the wallet's key (not sent: the page gives the signature to TradeChain, which sends it).</summary>
    private JsonNode SignHere(JsonObject transaction, string key)
    {
        if (_onOtherChain is not null) throw new WalletError(-32603, "The wallet is on another network.");
        if (!string.Equals(transaction["from"]?.GetValue<string>(), account, StringComparison.OrdinalIgnoreCase))
            throw new WalletError(4100, "The requested account has not been authorised by the user.");
        var raw = TradeChain.Cli.SignCommand.Sign(transaction.ToJsonString(), key, TextWriter.Null).Raw;
        lock (Signed) Signed.Add(raw);
        return raw;
    }

    /// <summary>The transactions the wallet signed without sending (raw).</summary>
    public List<string> Signed { get; } = [];

    private async Task<JsonNode?> SwitchAsync(string chainId)
    {
        var tradeChain = (await RpcAsync(chainUrl, "eth_chainId", new JsonArray())).GetValue<string>();
        if (Convert.ToInt64(chainId, 16) != Convert.ToInt64(tradeChain, 16)) throw new WalletError(4902, $"Unrecognized chain ID \"{chainId}\".");
        _onOtherChain = null; // the user approved the switch
        return null;
    }

    private async Task<JsonNode> SendAsync(JsonObject transaction)
    {
        if (_onOtherChain is not null) throw new WalletError(-32603, "The wallet is on another network.");
        if (!string.Equals(transaction["from"]?.GetValue<string>(), account, StringComparison.OrdinalIgnoreCase))
            throw new WalletError(4100, "The requested account has not been authorised by the user.");
        var toSign = transaction.DeepClone().AsObject();
        toSign["nonce"] = await RpcAsync(chainUrl, "eth_getTransactionCount", new JsonArray(account, "pending"));
        JsonNode raw = sendsWith is { } key
            ? TradeChain.Cli.SignCommand.Sign(toSign.ToJsonString(), key, TextWriter.Null).Raw
            : await RpcAsync(signerUrl ?? throw new WalletError(-32603, "This wallet has no signer to send with."), "eth_signTransaction", new JsonArray(toSign));
        var hash = (await RpcAsync(chainUrl, "eth_sendRawTransaction", new JsonArray(raw)))!.GetValue<string>();
        lock (Sent) Sent.Add(hash);
        return hash;
    }

    private static async Task<JsonNode> RpcAsync(string url, string method, JsonArray parameters)
    {
        using var response = await Http.PostAsJsonAsync(url, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (body["error"] is { } error) throw new WalletError(-32603, $"{method}: {error["message"]}");
        return body["result"]!.DeepClone();
    }

    private sealed class WalletError(int code, string message) : Exception(message)
    {
        public int Code { get; } = code;
    }
}

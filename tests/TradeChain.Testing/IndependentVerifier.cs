using System.Net.Http.Json;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.Util;

namespace TradeChain.Testing;

/// <summary>
/// Checks a transition from the history API against the chain the way an outside party would: rebuild the leaf
/// from the transition's published fields, fold the proof (sorted-pair keccak256), and ask the chain over plain
/// JSON-RPC whether the root is anchored. Uses none of TradeChain's verification code.
/// </summary>
public sealed class IndependentVerifier(string rpcUrl) : IDisposable
{
    private readonly HttpClient _http = new();

    public static string Leaf(JsonNode t)
    {
        var fields = new object?[]
        {
            "tradechain.transition.v1", t["service"]!.GetValue<string>(), t["aggregateType"]!.GetValue<string>(), t["aggregateId"]!.GetValue<string>(),
            t["sequence"]!.GetValue<int>(), t["fromState"]!.GetValue<string>(), t["toState"]!.GetValue<string>(), t["actor"]!.GetValue<string>(),
            t["reason"]!.GetValue<string>(), t["responseCode"]?.GetValue<string>(), t["occurredAtUnixMs"]!.GetValue<long>(),
        };
        var json = JsonSerializer.Serialize(fields, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(json)));
    }

    public static string FoldProof(string leaf, IEnumerable<string> proof)
    {
        var node = Convert.FromHexString(leaf[2..]);
        foreach (var sibling in proof.Select(p => Convert.FromHexString(p[2..])))
        {
            var pair = node.AsSpan().SequenceCompareTo(sibling) <= 0 ? node.Concat(sibling) : sibling.Concat(node);
            node = Sha3Keccack.Current.CalculateHash(pair.ToArray());
        }
        return "0x" + Convert.ToHexStringLower(node);
    }

    /// <summary>anchorOf(root) through eth_call: (submitter, blockNumber, transitionCount).</summary>
    public async Task<(string Submitter, long Block, int Count)> AnchorOfAsync(string anchorContract, string root)
    {
        var selector = Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Encoding.ASCII.GetBytes("anchorOf(bytes32)")))[..8];
        var result = await CallAsync("eth_call", new object[] { new { to = anchorContract, data = "0x" + selector + root[2..] }, "latest" });
        var words = result.GetValue<string>()[2..];
        return ("0x" + words[24..64], Convert.ToInt64(words[64..128], 16), Convert.ToInt32(words[128..192], 16));
    }

    /// <summary>isIssued(document) on the document store through eth_call.</summary>
    public async Task<bool> IsIssuedAsync(string documentStore, string documentHash)
    {
        var selector = Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Encoding.ASCII.GetBytes("isIssued(bytes32)")))[..8];
        var result = await CallAsync("eth_call", new object[] { new { to = documentStore, data = "0x" + selector + documentHash[2..] }, "latest" });
        return Convert.ToInt32(result.GetValue<string>()[^2..], 16) == 1;
    }

    /// <summary>The receipt's status and the topics of its logs.</summary>
    public async Task<(bool Success, long Block, List<string> Topics)> ReceiptAsync(string transactionHash)
    {
        var receipt = await CallAsync("eth_getTransactionReceipt", new object[] { transactionHash });
        var topics = receipt["logs"]!.AsArray().SelectMany(l => l!["topics"]!.AsArray().Select(t => t!.GetValue<string>())).ToList();
        return (receipt["status"]!.GetValue<string>() == "0x1", Convert.ToInt64(receipt["blockNumber"]!.GetValue<string>(), 16), topics);
    }

    /// <summary>Gas the transaction used, from its receipt.</summary>
    public async Task<long> GasUsedAsync(string transactionHash)
    {
        var receipt = await CallAsync("eth_getTransactionReceipt", new object[] { transactionHash });
        return Convert.ToInt64(receipt["gasUsed"]!.GetValue<string>(), 16);
    }

    /// <summary>The latest block's gas limit: how much gas one block of this chain takes.</summary>
    public async Task<long> BlockGasLimitAsync() => Convert.ToInt64((await CallAsync("eth_getBlockByNumber", ["latest", false]))["gasLimit"]!.GetValue<string>(), 16);

    /// <summary>The chain's head block number.</summary>
    public async Task<long> BlockNumberAsync() => Convert.ToInt64((await CallAsync("eth_blockNumber", [])).GetValue<string>(), 16);

    /// <summary>Transactions in the blocks after <paramref name="after"/> up to <paramref name="upTo"/> (both block numbers).</summary>
    public async Task<long> TransactionsInBlocksAsync(long after, long upTo)
    {
        long count = 0;
        for (var block = after + 1; block <= upTo; block++)
            count += Convert.ToInt64((await CallAsync("eth_getBlockTransactionCountByNumber", [$"0x{block:x}"])).GetValue<string>(), 16);
        return count;
    }

    /// <summary>How many logs <paramref name="contract"/> emitted with topic 0 <paramref name="topic0"/> in each block after <paramref name="after"/> up to <paramref name="upTo"/> that holds one.</summary>
    public async Task<IReadOnlyList<(long Block, int Logs)>> LogsPerBlockAsync(string contract, string topic0, long after, long upTo) =>
        (await CallAsync("eth_getLogs", [new { address = contract, topics = new[] { topic0 }, fromBlock = $"0x{after + 1:x}", toBlock = $"0x{upTo:x}" }]))
            .AsArray().GroupBy(l => Convert.ToInt64(l!["blockNumber"]!.GetValue<string>(), 16)).Select(g => (g.Key, g.Count())).ToList();

    private async Task<JsonNode> CallAsync(string method, object[] parameters)
    {
        using var response = await _http.PostAsJsonAsync(rpcUrl, new { jsonrpc = "2.0", id = 1, method, @params = parameters });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body?["result"] ?? throw new InvalidOperationException($"{method} failed: {body}");
    }

    public void Dispose() => _http.Dispose();
}

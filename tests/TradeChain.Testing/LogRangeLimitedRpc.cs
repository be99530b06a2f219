using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace TradeChain.Testing;

/// <summary>
/// A JSON-RPC proxy in front of anvil that limits <c>eth_getLogs</c> (and <c>eth_newFilter</c>) as Hyperledger Besu does
/// with <c>--rpc-max-logs-range</c> (5,000 blocks by default): a request whose range (to − from, with "earliest" as 0 and
/// "latest" as the head) exceeds <see cref="MaxRange"/> is answered with Besu's error — code -32005, "Requested range
/// exceeds maximum RPC range limit" — and counted in <see cref="Refused"/>. Anvil has no such option. Everything else
/// passes through unchanged.
/// </summary>
public sealed class LogRangeLimitedRpc(string upstream, long maxRange = LogRangeLimitedRpc.BesuDefaultMaxRange) : JsonRpcProxy(upstream)
{
    /// <summary>Besu's default --rpc-max-logs-range.</summary>
    public const long BesuDefaultMaxRange = 5_000;

    private readonly ConcurrentQueue<(long From, long To)> _ranges = new();
    private readonly ConcurrentQueue<(long From, long To)> _refused = new();

    public long MaxRange { get; } = maxRange;

    /// <summary>Every log range asked for (refused or not), as block numbers.</summary>
    public IReadOnlyList<(long From, long To)> Ranges => _ranges.ToList();

    /// <summary>The log ranges refused for exceeding <see cref="MaxRange"/>.</summary>
    public IReadOnlyList<(long From, long To)> Refused => _refused.ToList();

    /// <summary>Besu's answer to a log request over the limit, or null when the request may pass.</summary>
    protected override async Task<JsonObject?> RefusalAsync(JsonObject request)
    {
        var method = request["method"]?.GetValue<string>();
        if (method is not ("eth_getLogs" or "eth_newFilter")) return null;
        if (request["params"] is not JsonArray { Count: > 0 } parameters || parameters[0] is not JsonObject filter) return null;
        if (filter["blockHash"] is not null) return null;
        var from = await BlockAsync(filter["fromBlock"]);
        var to = await BlockAsync(filter["toBlock"]);
        _ranges.Enqueue((from, to));
        if (to - from <= MaxRange) return null;
        _refused.Enqueue((from, to));
        return new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = request["id"]?.DeepClone(),
            ["error"] = new JsonObject { ["code"] = -32005, ["message"] = "Requested range exceeds maximum RPC range limit" },
        };
    }

    private async Task<long> BlockAsync(JsonNode? block)
    {
        var text = block?.GetValue<string>() ?? "latest";
        if (text == "earliest") return 0;
        if (text.StartsWith("0x", StringComparison.Ordinal)) return long.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var head = (await UpstreamAsync("eth_blockNumber"))["result"]!.GetValue<string>();
        return long.Parse(head[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}

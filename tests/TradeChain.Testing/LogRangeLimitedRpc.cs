using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace TradeChain.Testing;

/// <summary>
/// A JSON-RPC proxy in front of anvil that limits <c>eth_getLogs</c> (and <c>eth_newFilter</c>) as Hyperledger Besu does
/// with <c>--rpc-max-logs-range</c> (5,000 blocks by default): a request whose range (to − from, with "earliest" as 0 and
/// "latest" as the head) exceeds <see cref="MaxRange"/> is answered with Besu's error — code -32005, "Requested range
/// exceeds maximum RPC range limit" — and counted in <see cref="Refused"/>. Anvil has no such option. Everything else
/// passes through unchanged. Every request is recorded (<see cref="Calls"/>), so a test can count what a service asks
/// the node.
/// </summary>
public sealed class LogRangeLimitedRpc : IAsyncDisposable
{
    /// <summary>Besu's default --rpc-max-logs-range.</summary>
    public const long BesuDefaultMaxRange = 5_000;

    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly ConcurrentQueue<(long From, long To)> _ranges = new();
    private readonly ConcurrentQueue<(long From, long To)> _refused = new();
    private readonly ConcurrentQueue<RpcCall> _calls = new();

    public LogRangeLimitedRpc(string upstream, long maxRange = BesuDefaultMaxRange)
    {
        _target = new Uri(upstream);
        MaxRange = maxRange;
        Port = TestEnvironment.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public long MaxRange { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Every log range asked for (refused or not), as block numbers.</summary>
    public IReadOnlyList<(long From, long To)> Ranges => _ranges.ToList();

    /// <summary>The log ranges refused for exceeding <see cref="MaxRange"/>.</summary>
    public IReadOnlyList<(long From, long To)> Refused => _refused.ToList();

    /// <summary>Every request received so far (each of a batch on its own), oldest first.</summary>
    public IReadOnlyList<RpcCall> Calls => _calls.ToList();

    private void Record(JsonNode? request)
    {
        foreach (var item in request is JsonArray batch ? batch.OfType<JsonObject>() : request is JsonObject single ? [single] : [])
        {
            var parameters = item["params"] as JsonArray;
            var first = parameters is { Count: > 0 } ? parameters[0] : null;
            // The contract a call or a log request is about: eth_call's "to", eth_getLogs' "address", eth_getCode's address.
            var contract = first switch
            {
                JsonObject o => (o["to"] ?? o["address"]) switch { JsonValue v => v.ToString(), JsonArray a => string.Join(",", a), _ => null },
                JsonValue v => v.ToString(),
                _ => null,
            };
            _calls.Enqueue(new RpcCall(item["method"]?.ToString() ?? "", contract?.ToLowerInvariant()));
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (HttpListenerException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync();
            var request = JsonNode.Parse(body);
            Record(request);
            var refusal = request switch
            {
                JsonArray batch when await AnyRefusedAsync(batch) is { } refused => refused,
                JsonObject single => await RefusalAsync(single),
                _ => null,
            };
            string answer;
            if (refusal is not null) answer = refusal.ToJsonString();
            else
            {
                using var forwarded = await _upstream.PostAsync(_target, new StringContent(body, Encoding.UTF8, "application/json"));
                answer = await forwarded.Content.ReadAsStringAsync();
            }
            var bytes = Encoding.UTF8.GetBytes(answer);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception)
        {
            try { context.Response.StatusCode = 502; context.Response.Close(); } catch (Exception) { }
        }
    }

    private async Task<JsonNode?> AnyRefusedAsync(JsonArray batch)
    {
        var answers = new JsonArray();
        var any = false;
        foreach (var item in batch.OfType<JsonObject>())
        {
            var refusal = await RefusalAsync(item);
            any |= refusal is not null;
            answers.Add(refusal);
        }
        return any ? answers : null; // a batch with one over-range request is refused whole (simpler than Besu; our clients send none)
    }

    /// <summary>Besu's answer to a log request over the limit, or null when the request may pass.</summary>
    private async Task<JsonObject?> RefusalAsync(JsonObject request)
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
        var response = await _upstream.PostAsJsonAsync(_target, new { jsonrpc = "2.0", id = 1, method = "eth_blockNumber", @params = Array.Empty<object>() });
        var head = (await response.Content.ReadFromJsonAsync<JsonObject>())!["result"]!.GetValue<string>();
        return long.Parse(head[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try { await _serving; } catch (Exception) { }
        _upstream.Dispose();
        _stop.Dispose();
    }
}

/// <summary>One JSON-RPC request: its method and the contract it names, if any (lower-case).</summary>
public sealed record RpcCall(string Method, string? Contract);

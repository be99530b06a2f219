using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace TradeChain.Testing;

/// <summary>
/// A JSON-RPC proxy in front of a node (anvil) on a free local port: every request is passed through unchanged (single
/// or batch) and counted per method, unless <see cref="RefusalAsync"/> answers it instead. The benchmark counts the
/// services' RPC calls with it; <see cref="LogRangeLimitedRpc"/> refuses wide log ranges as Besu does.
/// </summary>
public class JsonRpcProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly ConcurrentDictionary<string, long> _calls = new();
    private readonly ConcurrentQueue<RpcCall> _requests = new();
    private long _httpRequests;

    public JsonRpcProxy(string upstream)
    {
        _target = new Uri(upstream);
        Port = TestEnvironment.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>JSON-RPC calls received so far per method (each item of a batch counts as one call), refused ones included.</summary>
    public IReadOnlyDictionary<string, long> Calls => new Dictionary<string, long>(_calls);

    /// <summary>Every call received so far (each of a batch on its own), oldest first, with the contract it names.</summary>
    public IReadOnlyList<RpcCall> Requests => _requests.ToList();

    /// <summary>HTTP requests received so far (a batch is one request).</summary>
    public long HttpRequests => Interlocked.Read(ref _httpRequests);

    /// <summary>The answer to give instead of forwarding <paramref name="request"/>, or null to forward it.</summary>
    protected virtual Task<JsonObject?> RefusalAsync(JsonObject request) => Task.FromResult<JsonObject?>(null);

    /// <summary>Sends one call straight to the node (not counted).</summary>
    protected async Task<JsonObject> UpstreamAsync(string method, params object[] parameters)
    {
        using var response = await _upstream.PostAsJsonAsync(_target, new { jsonrpc = "2.0", id = 1, method, @params = parameters });
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
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
            Interlocked.Increment(ref _httpRequests);
            foreach (var call in request switch { JsonArray batch => batch.OfType<JsonObject>(), JsonObject single => [single], _ => [] })
            {
                _calls.AddOrUpdate(call["method"]?.GetValue<string>() ?? "?", 1, (_, n) => n + 1);
                _requests.Enqueue(RpcCall.Of(call));
            }
            var refusal = request switch
            {
                JsonArray batch => await AnyRefusedAsync(batch),
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
        return any ? answers : null; // a batch with one refused request is refused whole (simpler than Besu; our clients send none)
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try { await _serving; } catch (Exception) { }
        _upstream.Dispose();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>One JSON-RPC request: its method and the contract it names, if any (lower-case).</summary>
public sealed record RpcCall(string Method, string? Contract)
{
    public static RpcCall Of(JsonObject call)
    {
        var parameters = call["params"] as JsonArray;
        var first = parameters is { Count: > 0 } ? parameters[0] : null;
        // The contract a call or a log request is about: eth_call's "to", eth_getLogs' "address", eth_getCode's address.
        var contract = first switch
        {
            JsonObject o => (o["to"] ?? o["address"]) switch { JsonValue v => v.ToString(), JsonArray a => string.Join(",", a), _ => null },
            JsonValue v => v.ToString(),
            _ => null,
        };
        return new RpcCall(call["method"]?.ToString() ?? "", contract?.ToLowerInvariant());
    }
}

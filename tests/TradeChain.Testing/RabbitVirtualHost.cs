using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace TradeChain.Testing;

/// <summary>A private virtual host on the real test broker, so tests never see each other's queues.</summary>
public sealed class RabbitVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _management;
    private readonly Uri _amqp;
    private readonly bool _owned;

    private RabbitVirtualHost(HttpClient management, string name, Uri? amqp = null, bool owned = true)
    {
        _management = management;
        Name = name;
        _amqp = amqp ?? TestEnvironment.RabbitAmqp;
        _owned = owned;
    }

    public string Name { get; }

    public string AmqpUrl => new UriBuilder(_amqp) { Path = "/" + Uri.EscapeDataString(Name) }.Uri.ToString();

    /// <summary>The default virtual host of a system's own broker (one the system starts and stops itself; nothing to delete).</summary>
    public static RabbitVirtualHost DefaultOf(Uri amqp, Uri management)
    {
        var client = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        return new RabbitVirtualHost(client, "/", amqp, owned: false);
    }

    public static async Task<RabbitVirtualHost> CreateAsync()
    {
        var management = new HttpClient { BaseAddress = TestEnvironment.RabbitManagement, Timeout = TimeSpan.FromSeconds(15) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        var name = $"test-{Guid.NewGuid():N}";
        try
        {
            (await management.PutAsJsonAsync($"api/vhosts/{name}", new { })).EnsureSuccessStatusCode();
            (await management.PutAsJsonAsync($"api/permissions/{name}/guest", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException(
                $"The test RabbitMQ management API at {TestEnvironment.RabbitManagement} is not reachable ({e.Message}). " +
                "Run the tests with scripts/test.sh, which starts a real RabbitMQ for them.", e);
        }
        return new RabbitVirtualHost(management, name);
    }

    /// <summary>Messages waiting in the error queues (a consumer gave up on them).</summary>
    public async Task<int> ErrorQueueDepthAsync() =>
        (await QueueDepthsAsync()).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)).Sum(q => q.Value);

    /// <summary>Messages in each queue of the virtual host, by queue name (the broker's statistics, a few seconds behind).</summary>
    public async Task<IReadOnlyDictionary<string, int>> QueueDepthsAsync()
    {
        var queues = await _management.GetFromJsonAsync<List<QueueInfo>>($"api/queues/{Uri.EscapeDataString(Name)}") ?? [];
        return queues.ToDictionary(q => q.Name, q => q.Messages);
    }

    public async ValueTask DisposeAsync()
    {
        try { if (_owned) await _management.DeleteAsync($"api/vhosts/{Name}"); }
        catch (HttpRequestException) { }
        _management.Dispose();
    }

    private sealed record QueueInfo(string Name, int Messages);
}

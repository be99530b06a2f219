using System.Collections.Concurrent;

namespace TradeChain.Bench;

/// <summary>
/// Counts the harness's HTTP requests to each service (by the port of its base address): what one declaration costs
/// the services in requests, beside the RPC calls the proxy counts. Every client of the run shares one counter.
/// </summary>
public sealed class HttpCounter(IReadOnlyDictionary<int, string> services)
{
    private readonly ConcurrentDictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<int, string> _services = services;

    /// <summary>A copy of the requests so far, per service (a request to a port no service listens on counts as "other").</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => _requests.ToDictionary(r => r.Key, r => r.Value);

    /// <summary>A handler for one client, counting into this counter.</summary>
    public HttpMessageHandler Handler() => new Counting(this) { InnerHandler = new SocketsHttpHandler() };

    private sealed class Counting(HttpCounter counter) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var service = request.RequestUri is { } uri && counter._services.TryGetValue(uri.Port, out var name) ? name : "other";
            counter._requests.AddOrUpdate(service, 1, (_, n) => n + 1);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

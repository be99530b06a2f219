using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TradeChain.AppHost;

/// <summary>Readiness of the executables that have no HTTP health endpoint: anvil, RabbitMQ, epmd.</summary>
internal static class Probes
{
    /// <summary>Healthy when the node answers eth_blockNumber.</summary>
    public sealed class JsonRpc(string url) : IHealthCheck
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var response = await Http.PostAsJsonAsync(url, new { jsonrpc = "2.0", id = 1, method = "eth_blockNumber", @params = Array.Empty<object>() }, cancellationToken);
                var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
                return body?["result"] is not null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"eth_blockNumber: {body}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }

    /// <summary>Healthy when something accepts TCP connections on 127.0.0.1:port.</summary>
    public sealed class Tcp(int port) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }

    /// <summary>Healthy when the broker answers the AMQP 0-9-1 protocol header with Connection.Start (frame 1, class 10, method 10).</summary>
    public sealed class Amqp(int port) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, timeout.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), timeout.Token);
                var reply = new byte[11];
                await stream.ReadExactlyAsync(reply, timeout.Token);
                return reply[0] == 1 && reply[7] == 0 && reply[8] == 10 && reply[9] == 0 && reply[10] == 10
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("no Connection.Start");
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }
}

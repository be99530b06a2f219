using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TradeChain.AppHost;

/// <summary>Readiness of the executables that have no HTTP health endpoint: anvil, RabbitMQ, epmd, PostgreSQL.</summary>
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

    /// <summary>
    /// Healthy when PostgreSQL on 127.0.0.1:port takes a session: its answer to a protocol-3.0 startup message for the user
    /// postgres is an authentication message ('R'). Accepting TCP is not enough — while it starts up (or recovers) the server
    /// listens and refuses every session with 57P03 "the database system is starting up", which a test then met as its
    /// first connection failing.
    /// </summary>
    public sealed class Postgres(int port) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            ExchangeAsync(port, StartupMessage("postgres", "postgres"), new byte[512], least: 1, cancellationToken, (answer, read) =>
                answer[0] == (byte)'R' ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy(answer[0] == (byte)'E'
                    ? "PostgreSQL refuses sessions: " + System.Text.Encoding.UTF8.GetString(answer, 5, Math.Max(0, read - 5)).Replace('\0', ' ').Trim()
                    : "PostgreSQL answered the startup message with neither an authentication request nor an error"),
                farewell: [(byte)'X', 0, 0, 0, 4]); // Terminate

        /// <summary>A protocol-3.0 StartupMessage: length, version 196608, then user and database as name/value C strings, and a final 0.</summary>
        public static byte[] StartupMessage(string user, string database)
        {
            var body = System.Text.Encoding.UTF8.GetBytes($"user\0{user}\0database\0{database}\0\0");
            var message = new byte[8 + body.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), 196608);
            body.CopyTo(message, 8);
            return message;
        }
    }

    /// <summary>Healthy when the broker answers the AMQP 0-9-1 protocol header with Connection.Start (frame 1, class 10, method 10).</summary>
    public sealed class Amqp(int port) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            ExchangeAsync(port, "AMQP\0\0\u0009\u0001"u8.ToArray(), new byte[11], least: 11, cancellationToken, (reply, _) =>
                reply[0] == 1 && reply[7] == 0 && reply[8] == 10 && reply[9] == 0 && reply[10] == 10
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("no Connection.Start"));
    }

    /// <summary>
    /// A protocol greeting's answer judged: connects to 127.0.0.1:<paramref name="port"/> (3 s in all), writes
    /// <paramref name="greeting"/>, reads at least <paramref name="least"/> bytes into <paramref name="answer"/> and judges
    /// them; on a healthy answer writes <paramref name="farewell"/>, if any. Unhealthy when the server is not there, closes, or is silent.
    /// </summary>
    private static async Task<HealthCheckResult> ExchangeAsync(int port, byte[] greeting, byte[] answer, int least, CancellationToken ct,
        Func<byte[], int, HealthCheckResult> judge, byte[]? farewell = null)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(greeting, timeout.Token);
            var read = await stream.ReadAtLeastAsync(answer, least, throwOnEndOfStream: false, timeout.Token);
            if (read < least) return HealthCheckResult.Unhealthy($"the server closed the connection after {read} bytes");
            var verdict = judge(answer, read);
            if (verdict.Status == HealthStatus.Healthy && farewell is not null) await stream.WriteAsync(farewell, timeout.Token);
            return verdict;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}

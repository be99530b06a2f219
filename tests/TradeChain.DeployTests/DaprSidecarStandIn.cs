using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TradeChain.DeployTests;

/// <summary>
/// A stand-in for the Dapr sidecar's gRPC API (no daprd can run here): Kestrel on a free loopback port, HTTP/2 without
/// TLS as daprd serves it to its app, answering <c>dapr.proto.runtime.v1.Dapr/GetSecret</c> in the gRPC wire format
/// (length-prefixed protobuf messages from Dapr.Protos, status in the grpc-status trailer).
/// </summary>
internal sealed class DaprSidecarStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _unavailableAnswersLeft;

    public ConcurrentQueue<(string Path, string Store, string Key)> Requests { get; } = new();

    /// <summary>store → secret name → entries.</summary>
    public ConcurrentDictionary<string, Dictionary<string, Dictionary<string, string>>> Stores { get; } = new();

    public string Endpoint { get; private set; } = "";

    private DaprSidecarStandIn(WebApplication app) => _app = app;

    /// <summary>Answer the next <paramref name="count"/> calls with Unavailable, as a sidecar that is still starting.</summary>
    public void AnswerUnavailable(int count) => _unavailableAnswersLeft = count;

    public static async Task<DaprSidecarStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var standIn = new DaprSidecarStandIn(app);
        app.MapPost("/{service}/{method}", standIn.HandleAsync);
        await app.StartAsync();
        standIn.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return standIn;
    }

    private async Task HandleAsync(HttpContext context, string service, string method)
    {
        context.Response.ContentType = "application/grpc";
        if (service != "dapr.proto.runtime.v1.Dapr" || method != "GetSecret")
        {
            End(context, 12, $"stand-in implements only GetSecret, not {service}/{method}"); // UNIMPLEMENTED
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        var request = GetSecretRequest.Parser.ParseFrom(bytes, 5, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4)));
        Requests.Enqueue((context.Request.Path, request.StoreName, request.Key));

        if (Interlocked.Decrement(ref _unavailableAnswersLeft) >= 0)
        {
            End(context, 14, "sidecar starting"); // UNAVAILABLE
            return;
        }
        if (!Stores.TryGetValue(request.StoreName, out var store))
        {
            End(context, 3, $"failed finding secret store with key {request.StoreName}"); // INVALID_ARGUMENT, as daprd says it
            return;
        }
        if (!store.TryGetValue(request.Key, out var entries))
        {
            End(context, 2, $"failed getting secret with key {request.Key} from secret store {request.StoreName}: secrets \"{request.Key}\" not found");
            return;
        }
        var response = new GetSecretResponse();
        response.Data.Add(entries);
        var payload = response.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1, 4), payload.Length);
        payload.CopyTo(frame, 5);
        await context.Response.Body.WriteAsync(frame);
        End(context, 0, null);
    }

    private static void End(HttpContext context, int status, string? message)
    {
        context.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message is not null) context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

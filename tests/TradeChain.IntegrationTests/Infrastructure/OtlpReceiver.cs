using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using TradeChain.Testing;

namespace TradeChain.IntegrationTests.Infrastructure;

/// <summary>One span as an OTLP exporter sent it. <see cref="Kind"/> is OTLP's: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.</summary>
public sealed record ReceivedSpan(
    string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> LinkedTraceIds)
{
    public override string ToString() => $"{Service} [{Scope}] {Name} (kind {Kind}) {SpanId} <- {(ParentSpanId.Length == 0 ? "root" : ParentSpanId)}";
}

/// <summary>One metric as an OTLP exporter sent it: <see cref="Type"/> is gauge, sum or histogram; one attribute set per data point.</summary>
public sealed record ReceivedMetric(
    string Service, string Scope, string Name, string Unit, string Type, bool Monotonic, IReadOnlyList<IReadOnlyDictionary<string, string>> Points);

/// <summary>
/// A stand-in for an OpenTelemetry Collector: an OTLP/HTTP (protobuf) receiver on a free loopback port that keeps
/// every span and metric it is sent. The messages are decoded with a small protobuf wire-format reader over the
/// field numbers of opentelemetry-proto's trace/metrics/common/resource messages (no generated code).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly ConcurrentQueue<ReceivedMetric> _metrics = new();
    private readonly Task _loop;
    private int _requests;

    private OtlpReceiver(int port)
    {
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The base address for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces, /v1/metrics, /v1/logs).</summary>
    public string Endpoint { get; }

    public IReadOnlyList<ReceivedSpan> Spans => _spans.ToArray();

    public IReadOnlyList<ReceivedMetric> Metrics => _metrics.ToArray();

    public int Requests => _requests;

    public static OtlpReceiver Start() => new(TestEnvironment.FreePort());

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try
            {
                using var body = new MemoryStream();
                var input = context.Request.Headers["Content-Encoding"] == "gzip"
                    ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                    : context.Request.InputStream;
                await input.CopyToAsync(body);
                Interlocked.Increment(ref _requests);
                switch (context.Request.Url?.AbsolutePath)
                {
                    case "/v1/traces": ReadTraces(body.ToArray()); break;
                    case "/v1/metrics": ReadMetrics(body.ToArray()); break;
                    // logs and anything else: accepted and dropped
                }
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf"; // an empty Export*ServiceResponse is zero bytes
            }
            catch (Exception)
            {
                context.Response.StatusCode = 400;
            }
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest { 1 resource_spans } ResourceSpans { 1 resource, 2 scope_spans } ScopeSpans { 1 scope, 2 spans }
    private void ReadTraces(byte[] message)
    {
        foreach (var resourceSpans in Wire.Messages(message, 1))
        {
            var service = ServiceName(resourceSpans);
            foreach (var scopeSpans in Wire.Messages(resourceSpans, 2))
            {
                var scope = ScopeName(scopeSpans);
                foreach (var span in Wire.Messages(scopeSpans, 2))
                {
                    // Span { 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes, 13 links { 1 trace_id } }
                    _spans.Enqueue(new ReceivedSpan(service, scope,
                        Wire.Hex(span, 1), Wire.Hex(span, 2), Wire.Hex(span, 4), Wire.String(span, 5), (int)Wire.Varint(span, 6),
                        Attributes(span, 9), Wire.Messages(span, 13).Select(link => Wire.Hex(link, 1)).ToList()));
                }
            }
        }
    }

    // ExportMetricsServiceRequest { 1 resource_metrics } ResourceMetrics { 1 resource, 2 scope_metrics } ScopeMetrics { 1 scope, 2 metrics }
    private void ReadMetrics(byte[] message)
    {
        foreach (var resourceMetrics in Wire.Messages(message, 1))
        {
            var service = ServiceName(resourceMetrics);
            foreach (var scopeMetrics in Wire.Messages(resourceMetrics, 2))
            {
                var scope = ScopeName(scopeMetrics);
                foreach (var metric in Wire.Messages(scopeMetrics, 2))
                {
                    // Metric { 1 name, 3 unit, 5 gauge, 7 sum { 1 data_points, 3 is_monotonic }, 9 histogram };
                    // number data points carry attributes in field 7, histogram data points in field 9.
                    var (type, data, attributesField) = Wire.Messages(metric, 5).Select(m => ("gauge", m, 7)).Concat(
                        Wire.Messages(metric, 7).Select(m => ("sum", m, 7))).Concat(
                        Wire.Messages(metric, 9).Select(m => ("histogram", m, 9))).FirstOrDefault();
                    if (type is null) continue;
                    _metrics.Enqueue(new ReceivedMetric(service, scope, Wire.String(metric, 1), Wire.String(metric, 3), type,
                        type == "sum" && Wire.Varint(data, 3) == 1,
                        Wire.Messages(data, 1).Select(point => Attributes(point, attributesField)).ToList()));
                }
            }
        }
    }

    // Resource { 1 attributes }; InstrumentationScope { 1 name }
    private static string ServiceName(ArraySegment<byte> resourceContainer) =>
        Wire.Messages(resourceContainer, 1).Select(resource => Attributes(resource, 1).GetValueOrDefault("service.name")).FirstOrDefault() ?? "";

    private static string ScopeName(ArraySegment<byte> scopeContainer) =>
        Wire.Messages(scopeContainer, 1).Select(scope => Wire.String(scope, 1)).FirstOrDefault() ?? "";

    // KeyValue { 1 key, 2 value: AnyValue { 1 string, 2 bool, 3 int, 4 double } }
    private static Dictionary<string, string> Attributes(ArraySegment<byte> message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Wire.Messages(message, field))
        {
            var value = Wire.Messages(keyValue, 2).FirstOrDefault();
            string text = "";
            foreach (var f in Wire.Fields(value))
            {
                text = f.Number switch
                {
                    1 => Encoding.UTF8.GetString(f.Bytes),
                    2 => (f.Value != 0).ToString(),
                    3 => ((long)f.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    4 => BitConverter.Int64BitsToDouble((long)f.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => text,
                };
            }
            attributes[Wire.String(keyValue, 1)] = text;
        }
        return attributes;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }

    /// <summary>The protobuf wire format, as far as OTLP needs it: varints, fixed 64-bit, length-delimited fields.</summary>
    private static class Wire
    {
        public readonly record struct Field(int Number, int WireType, ulong Value, ArraySegment<byte> Bytes);

        public static IEnumerable<Field> Fields(ArraySegment<byte> message)
        {
            var position = 0;
            while (position < message.Count)
            {
                var tag = ReadVarint(message, ref position);
                var number = (int)(tag >> 3);
                var wireType = (int)(tag & 7);
                switch (wireType)
                {
                    case 0:
                        yield return new Field(number, wireType, ReadVarint(message, ref position), default);
                        break;
                    case 1:
                        yield return new Field(number, wireType, BitConverter.ToUInt64(message.AsSpan(position, 8)), default);
                        position += 8;
                        break;
                    case 2:
                        var length = (int)ReadVarint(message, ref position);
                        yield return new Field(number, wireType, 0, message.Slice(position, length));
                        position += length;
                        break;
                    case 5:
                        yield return new Field(number, wireType, BitConverter.ToUInt32(message.AsSpan(position, 4)), default);
                        position += 4;
                        break;
                    default:
                        throw new InvalidDataException($"wire type {wireType} (field {number}) is not used by OTLP");
                }
            }
        }

        public static IEnumerable<ArraySegment<byte>> Messages(ArraySegment<byte> message, int number) =>
            Fields(message).Where(f => f.Number == number && f.WireType == 2).Select(f => f.Bytes);

        public static string String(ArraySegment<byte> message, int number) =>
            Fields(message).Where(f => f.Number == number && f.WireType == 2).Select(f => Encoding.UTF8.GetString(f.Bytes)).LastOrDefault() ?? "";

        public static string Hex(ArraySegment<byte> message, int number) =>
            Fields(message).Where(f => f.Number == number && f.WireType == 2).Select(f => Convert.ToHexStringLower(f.Bytes)).LastOrDefault() ?? "";

        public static ulong Varint(ArraySegment<byte> message, int number) =>
            Fields(message).Where(f => f.Number == number && f.WireType == 0).Select(f => f.Value).LastOrDefault();

        private static ulong ReadVarint(ArraySegment<byte> message, ref int position)
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = message[position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
            throw new InvalidDataException("varint longer than 10 bytes");
        }
    }
}

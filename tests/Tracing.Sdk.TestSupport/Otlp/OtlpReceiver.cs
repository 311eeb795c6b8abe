using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporter.Otlp.Proto.Collector;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace Tracing.Sdk.TestSupport.Otlp;

/// <summary>A fault the receiver answers one request with, instead of accepting it.</summary>
/// <param name="GrpcStatus">The gRPC status to answer a gRPC request with (OK: accept).</param>
/// <param name="HttpStatus">The HTTP status to answer an OTLP/HTTP request with (0: accept).</param>
/// <param name="RetryDelay">A <c>RetryInfo</c> delay to send in the gRPC status details.</param>
/// <param name="RetryAfter">A <c>Retry-After</c> header value to send with the HTTP status.</param>
/// <param name="RejectSpans">Accept, but report this many spans rejected (partial success).</param>
public sealed record Fault(GrpcStatusCode GrpcStatus = GrpcStatusCode.OK, int HttpStatus = 0, TimeSpan? RetryDelay = null, string? RetryAfter = null, long RejectSpans = 0);

/// <summary>What the receiver does with what it is sent.</summary>
public enum OtlpReceiverMode
{
    /// <summary>
    /// Decode every request with the generated message types (an implementation independent of the exporters') and
    /// keep it, with its headers and raw body; answer with queued <see cref="OtlpReceiver.Faults"/> first. For tests.
    /// </summary>
    Decode,

    /// <summary>
    /// Count spans by walking the wire format and keep nothing: no message objects, no copies of bodies, the same cost
    /// for every exporter. For benchmarks.
    /// </summary>
    Count,
}

/// <summary>
/// The repository's one loopback OTLP receiver: a real Kestrel server on 127.0.0.1 with OTLP/gRPC (HTTP/2 cleartext or
/// TLS, served by Grpc.AspNetCore) on one port and OTLP/HTTP (<c>POST /v1/traces</c>, protobuf or JSON, gzip accepted)
/// on another, plus <c>GET /count</c> and <c>GET /bytes</c> there for a process that reads the totals from outside.
/// Tests use <see cref="OtlpReceiverMode.Decode"/>; benchmarks <see cref="OtlpReceiverMode.Count"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable, IDisposable
{
    private const string TraceServiceName = "opentelemetry.proto.collector.trace.v1.TraceService";

    private readonly WebApplication _app;
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly string _scheme;
    private readonly bool _preferGrpc;
    private long _spans;
    private long _bytes;
    private int _attempts;
    private int _disposed;

    private OtlpReceiver(OtlpReceiverMode mode, bool preferGrpc, int grpcPort, int httpPort, X509Certificate2? certificate)
    {
        Mode = mode;
        _preferGrpc = preferGrpc;
        _scheme = certificate is null ? "http" : "https";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            Listen(k, grpcPort, HttpProtocols.Http2, certificate);
            Listen(k, httpPort, HttpProtocols.Http1, certificate);
        });
        builder.Services.AddSingleton(this);
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = null);
        builder.Services.AddRequestDecompression();
        if (mode == OtlpReceiverMode.Count)
        {
            builder.Services.AddSingleton<Grpc.AspNetCore.Server.Model.IServiceMethodProvider<CountingTraceService>, CountingTraceService.MethodProvider>();
        }

        _app = builder.Build();
        _app.UseRequestDecompression();
        if (mode == OtlpReceiverMode.Count)
        {
            _app.MapGrpcService<CountingTraceService>();
        }
        else
        {
            _app.MapGrpcService<DecodingTraceService>();
        }

        _app.MapPost("/v1/traces", HandleHttp);
        _app.MapGet("/count", () => SpanCount.ToString(CultureInfo.InvariantCulture));
        _app.MapGet("/bytes", () => ByteCount.ToString(CultureInfo.InvariantCulture));

        // A tiny untraced answer: the downstream service of the web benchmark's apps.
        _app.MapGet("/ok", () => "ok");
    }

    /// <summary>What the receiver does with requests.</summary>
    public OtlpReceiverMode Mode { get; }

    /// <summary>The OTLP/gRPC endpoint: <c>http://127.0.0.1:port</c> (https with a certificate).</summary>
    public Uri GrpcEndpoint { get; private set; } = null!;

    /// <summary>The OTLP/HTTP endpoint: <c>http://127.0.0.1:port/v1/traces</c> (https with a certificate).</summary>
    public Uri HttpEndpoint { get; private set; } = null!;

    /// <summary>The endpoint of the protocol the receiver was started for (<see cref="StartAsync(bool, int, X509Certificate2?)"/>).</summary>
    public Uri Endpoint => _preferGrpc ? GrpcEndpoint : HttpEndpoint;

    /// <summary>The port of <see cref="Endpoint"/>.</summary>
    public int Port => Endpoint.Port;

    /// <summary>Spans accepted so far (rejected ones of a partial success included).</summary>
    public long SpanCount => Interlocked.Read(ref _spans);

    /// <summary>Bytes of accepted request bodies (protobuf, or JSON; after the gRPC message prefix).</summary>
    public long ByteCount => Interlocked.Read(ref _bytes);

    /// <summary>Requests answered so far, faults included.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Faults to answer the next requests with, in order (decode mode).</summary>
    public ConcurrentQueue<Fault> Faults { get; } = new();

    /// <summary>Accepted requests, decoded (decode mode; a JSON request is kept as an empty message and its text in <see cref="JsonBodies"/>).</summary>
    public ConcurrentQueue<ExportTraceServiceRequest> Requests { get; } = new();

    /// <summary>The raw bodies of accepted OTLP/HTTP protobuf requests and gRPC messages (decode mode).</summary>
    public ConcurrentQueue<byte[]> Bodies { get; } = new();

    /// <summary>The text of accepted OTLP/HTTP JSON requests (decode mode).</summary>
    public ConcurrentQueue<string> JsonBodies { get; } = new();

    /// <summary>The headers of each accepted request, names in lower case (decode mode).</summary>
    public ConcurrentQueue<IDictionary<string, string>> Headers { get; } = new();

    /// <summary>When set, every request waits (at most <see cref="TestTimeouts.InProcess"/>) until the gate opens: a slow backend.</summary>
    public ManualResetEventSlim? Gate { get; set; }

    /// <summary>Every span of every accepted protobuf request (decode mode).</summary>
    public IEnumerable<Tracing.Sdk.Exporter.Otlp.Proto.Trace.Span> Spans =>
        Requests.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans);

    /// <summary>Starts a receiver in <paramref name="mode"/>; a port of 0 takes a free one.</summary>
    /// <param name="mode">Decode (tests) or count (benchmarks).</param>
    /// <param name="grpcPort">The OTLP/gRPC port.</param>
    /// <param name="httpPort">The OTLP/HTTP port.</param>
    /// <param name="certificate">Serve TLS with this certificate.</param>
    public static Task<OtlpReceiver> StartAsync(OtlpReceiverMode mode, int grpcPort = 0, int httpPort = 0, X509Certificate2? certificate = null)
        => StartAsync(mode, preferGrpc: true, grpcPort, httpPort, certificate);

    /// <summary>Starts a decoding receiver whose <see cref="Endpoint"/> is the gRPC or the HTTP one.</summary>
    /// <param name="grpc">Whether <see cref="Endpoint"/> and <see cref="Port"/> are the gRPC ones.</param>
    /// <param name="port">That endpoint's port; 0 takes a free one (to restart a receiver where an exporter expects it).</param>
    /// <param name="certificate">Serve TLS with this certificate.</param>
    public static Task<OtlpReceiver> StartAsync(bool grpc, int port = 0, X509Certificate2? certificate = null)
        => StartAsync(OtlpReceiverMode.Decode, grpc, grpc ? port : 0, grpc ? 0 : port, certificate);

    /// <summary>Starts a receiver synchronously (for benchmark setups that cannot await).</summary>
    /// <param name="mode">Decode or count.</param>
    public static OtlpReceiver Start(OtlpReceiverMode mode = OtlpReceiverMode.Count) => StartAsync(mode).GetAwaiter().GetResult();

    /// <summary>Waits until at least <paramref name="spans"/> spans were accepted; false if <paramref name="timeout"/> passed first.</summary>
    /// <param name="spans">How many.</param>
    /// <param name="timeout">The bound.</param>
    public async Task<bool> WaitForSpansAsync(long spans, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (SpanCount < spans)
        {
            if (DateTime.UtcNow >= until)
            {
                return false;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Like <see cref="WaitForSpansAsync"/>, blocking.</summary>
    /// <param name="spans">How many.</param>
    /// <param name="timeout">The bound.</param>
    public bool WaitForSpans(long spans, TimeSpan timeout) => WaitForSpansAsync(spans, timeout).GetAwaiter().GetResult();

    /// <summary>Waits (<see cref="TestTimeouts.InProcess"/> at most each) until <paramref name="requests"/> more requests were accepted; throws otherwise.</summary>
    /// <param name="requests">How many.</param>
    public async Task WaitForRequestsAsync(int requests)
    {
        for (int i = 0; i < requests; i++)
        {
            if (!await _arrived.WaitAsync(TestTimeouts.InProcess).ConfigureAwait(false))
            {
                throw new TimeoutException($"the receiver got {i} of the {requests} requests expected within {TestTimeouts.InProcess}");
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _arrived.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>A <c>google.rpc.Status</c> carrying a <c>RetryInfo</c>, encoded by hand (no google.rpc types here).</summary>
    /// <param name="code">The gRPC status code.</param>
    /// <param name="delay">The retry delay.</param>
    public static byte[] StatusWithRetryInfo(int code, TimeSpan delay)
    {
        static byte[] Message(Action<CodedOutputStream> write)
        {
            using var ms = new MemoryStream();
            var cos = new CodedOutputStream(ms);
            write(cos);
            cos.Flush();
            return ms.ToArray();
        }

        var duration = Message(c =>
        {
            c.WriteTag(1, WireFormat.WireType.Varint);
            c.WriteInt64((long)delay.TotalSeconds);
            c.WriteTag(2, WireFormat.WireType.Varint);
            c.WriteInt32((int)(delay.Ticks % TimeSpan.TicksPerSecond * 100));
        });
        var retryInfo = Message(c =>
        {
            c.WriteTag(1, WireFormat.WireType.LengthDelimited);
            c.WriteBytes(ByteString.CopyFrom(duration));
        });
        var any = Message(c =>
        {
            c.WriteTag(1, WireFormat.WireType.LengthDelimited);
            c.WriteString("type.googleapis.com/google.rpc.RetryInfo");
            c.WriteTag(2, WireFormat.WireType.LengthDelimited);
            c.WriteBytes(ByteString.CopyFrom(retryInfo));
        });
        return Message(c =>
        {
            c.WriteTag(1, WireFormat.WireType.Varint);
            c.WriteInt32(code);
            c.WriteTag(3, WireFormat.WireType.LengthDelimited);
            c.WriteBytes(ByteString.CopyFrom(any));
        });
    }

    internal Fault? NextFault()
    {
        Interlocked.Increment(ref _attempts);
        Gate?.Wait(TestTimeouts.InProcess);
        return Faults.TryDequeue(out var f) ? f : null;
    }

    internal void Count(int spans, long bytes)
    {
        Interlocked.Add(ref _spans, spans);
        Interlocked.Add(ref _bytes, bytes);
    }

    internal void Accept(ExportTraceServiceRequest request, byte[]? body, IDictionary<string, string> headers, int spans, long bytes)
    {
        Requests.Enqueue(request);
        if (body is not null)
        {
            Bodies.Enqueue(body);
        }

        Headers.Enqueue(headers);
        Count(spans, bytes);
        _arrived.Release();
    }

    private static void Listen(KestrelServerOptions kestrel, int port, HttpProtocols protocols, X509Certificate2? certificate)
        => kestrel.Listen(IPAddress.Loopback, port, o =>
        {
            o.Protocols = protocols;
            if (certificate is not null)
            {
                o.UseHttps(certificate);
            }
        });

    private static async Task<OtlpReceiver> StartAsync(OtlpReceiverMode mode, bool preferGrpc, int grpcPort, int httpPort, X509Certificate2? certificate)
    {
        var receiver = new OtlpReceiver(mode, preferGrpc, grpcPort, httpPort, certificate);
        await receiver._app.StartAsync().ConfigureAwait(false);

        // Kestrel lists the addresses in the order of the Listen calls: gRPC first, then HTTP.
        var addresses = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        receiver.GrpcEndpoint = new Uri($"{receiver._scheme}://127.0.0.1:{new Uri(addresses[0]).Port}");
        receiver.HttpEndpoint = new Uri($"{receiver._scheme}://127.0.0.1:{new Uri(addresses[1]).Port}/v1/traces");
        return receiver;
    }

    private static int CountJsonSpans(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            int count = 0;
            if (document.RootElement.TryGetProperty("resourceSpans", out var resourceSpans))
            {
                foreach (var rs in resourceSpans.EnumerateArray())
                {
                    if (rs.TryGetProperty("scopeSpans", out var scopeSpans))
                    {
                        foreach (var ss in scopeSpans.EnumerateArray())
                        {
                            if (ss.TryGetProperty("spans", out var spans))
                            {
                                count += spans.GetArrayLength();
                            }
                        }
                    }
                }
            }

            return count;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private async Task HandleHttp(HttpContext context)
    {
        bool json = context.Request.ContentType == "application/json";
        if (Mode == OtlpReceiverMode.Count)
        {
            // Read the body where Kestrel buffered it, count, and let it go: nothing is copied or kept.
            var reader = context.Request.BodyReader;
            while (true)
            {
                var result = await reader.ReadAsync();
                if (result.IsCompleted)
                {
                    var buffer = result.Buffer;
                    int spans = json ? CountJsonSpans(buffer.ToArray()) : OtlpWire.CountSpans(buffer);
                    Count(spans, buffer.Length);
                    reader.AdvanceTo(buffer.End);
                    break;
                }

                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }

            context.Response.ContentType = json ? "application/json" : "application/x-protobuf";
            if (json)
            {
                await context.Response.WriteAsync("{}");
            }

            return;
        }

        var fault = NextFault();
        if (fault is { HttpStatus: > 0 })
        {
            if (fault.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }

            context.Response.StatusCode = fault.HttpStatus;
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        byte[] bytes = body.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (json)
        {
            JsonBodies.Enqueue(System.Text.Encoding.UTF8.GetString(bytes));
            Accept(new ExportTraceServiceRequest(), null, headers, CountJsonSpans(bytes), bytes.Length);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(fault?.RejectSpans > 0 ? $"{{\"partialSuccess\":{{\"rejectedSpans\":\"{fault.RejectSpans}\",\"errorMessage\":\"too old\"}}}}" : "{}");
            return;
        }

        Accept(ExportTraceServiceRequest.Parser.ParseFrom(bytes), bytes, headers, OtlpWire.CountSpans(bytes), bytes.Length);
        var response = new ExportTraceServiceResponse();
        if (fault?.RejectSpans > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = fault.RejectSpans, ErrorMessage = "too old" };
        }

        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(response.ToByteArray());
    }

    /// <summary>The decoding gRPC service: Grpc.AspNetCore with the generated <c>TraceService</c> base.</summary>
    private sealed class DecodingTraceService(OtlpReceiver receiver) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, Grpc.Core.ServerCallContext context)
        {
            var fault = receiver.NextFault();
            if (fault is { GrpcStatus: not GrpcStatusCode.OK })
            {
                var trailers = new Grpc.Core.Metadata();
                if (fault.RetryDelay is { } delay)
                {
                    trailers.Add("grpc-status-details-bin", StatusWithRetryInfo((int)fault.GrpcStatus, delay));
                }

                throw new Grpc.Core.RpcException(new Grpc.Core.Status(fault.GrpcStatus, "injected fault"), trailers);
            }

            byte[] body = request.ToByteArray();
            var headers = context.RequestHeaders.Where(h => !h.IsBinary).ToDictionary(h => h.Key, h => h.Value);
            receiver.Accept(request, body, headers, request.ResourceSpans.SelectMany(r => r.ScopeSpans).Sum(s => s.Spans.Count), body.Length);
            var response = new ExportTraceServiceResponse();
            if (fault?.RejectSpans > 0)
            {
                response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = fault.RejectSpans, ErrorMessage = "too old" };
            }

            return Task.FromResult(response);
        }
    }

    /// <summary>
    /// The counting gRPC service: the TraceService/Export method bound by hand with a marshaller that counts the spans
    /// of the request payload where gRPC buffered it (no message objects, no copy) and answers an empty response.
    /// </summary>
    private sealed class CountingTraceService
    {
        private static readonly byte[] s_empty = [];

        public sealed class MethodProvider(OtlpReceiver receiver) : Grpc.AspNetCore.Server.Model.IServiceMethodProvider<CountingTraceService>
        {
            public void OnServiceMethodDiscovery(Grpc.AspNetCore.Server.Model.ServiceMethodProviderContext<CountingTraceService> context)
            {
                var request = Grpc.Core.Marshallers.Create<byte[]>(
                    static (_, c) => c.Complete(s_empty),
                    c =>
                    {
                        var payload = c.PayloadAsReadOnlySequence();
                        receiver.Count(OtlpWire.CountSpans(payload), payload.Length);
                        return s_empty;
                    });
                var response = Grpc.Core.Marshallers.Create<byte[]>(static (_, c) => c.Complete(s_empty), static _ => s_empty);
                var method = new Grpc.Core.Method<byte[], byte[]>(Grpc.Core.MethodType.Unary, TraceServiceName, "Export", request, response);
                context.AddUnaryMethod(method, [], static (_, _, _) => Task.FromResult(s_empty));
            }
        }
    }
}

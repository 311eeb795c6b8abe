using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using GrpcStatusCode = Grpc.Core.StatusCode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporter.Otlp.Proto.Collector;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>A fault the receiver answers one request with, instead of accepting it.</summary>
public sealed record Fault(GrpcStatusCode GrpcStatus = GrpcStatusCode.OK, int HttpStatus = 0, TimeSpan? RetryDelay = null, string? RetryAfter = null, long RejectSpans = 0);

/// <summary>
/// A real OTLP receiver on Kestrel, 127.0.0.1, a free port: gRPC (HTTP/2 cleartext) or HTTP (POST /v1/traces).
/// Requests are decoded with the generated message types; faults queued in <see cref="Faults"/> answer requests first.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _arrived = new(0);

    private OtlpReceiver(bool grpc, int port, X509Certificate2? certificate)
    {
        IsGrpc = grpc;
        _scheme = certificate is null ? "http" : "https";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o =>
        {
            o.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1;
            if (certificate is not null)
            {
                o.UseHttps(certificate);
            }
        }));
        builder.Services.AddSingleton(this);
        if (grpc)
        {
            builder.Services.AddGrpc();
        }
        else
        {
            builder.Services.AddRequestDecompression();
        }

        _app = builder.Build();
        if (grpc)
        {
            _app.MapGrpcService<TraceReceiverService>();
        }
        else
        {
            _app.UseRequestDecompression();
            _app.MapPost("/v1/traces", HandleHttp);
        }
    }

    public bool IsGrpc { get; }

    public int Port { get; private set; }

    public Uri Endpoint => new(IsGrpc ? $"{_scheme}://127.0.0.1:{Port}" : $"{_scheme}://127.0.0.1:{Port}/v1/traces");

    private readonly string _scheme;

    public ConcurrentQueue<Fault> Faults { get; } = new();

    public ConcurrentQueue<ExportTraceServiceRequest> Requests { get; } = new();

    public ConcurrentQueue<string> JsonBodies { get; } = new();

    public ConcurrentQueue<IDictionary<string, string>> Headers { get; } = new();

    public int Attempts => Volatile.Read(ref _attempts);

    private int _attempts;

    public static async Task<OtlpReceiver> StartAsync(bool grpc, int port = 0, X509Certificate2? certificate = null)
    {
        var receiver = new OtlpReceiver(grpc, port, certificate);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Port = new Uri(address).Port;
        return receiver;
    }

    public IEnumerable<Tracing.Sdk.Exporter.Otlp.Proto.Trace.Span> Spans =>
        Requests.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans);

    /// <summary>Waits (generously) until <paramref name="requests"/> requests were accepted.</summary>
    public async Task WaitForRequestsAsync(int requests)
    {
        for (int i = 0; i < requests; i++)
        {
            Assert.True(await _arrived.WaitAsync(TestTimeouts.InProcess), "the receiver got fewer requests than expected");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>When set, every request waits (at most a minute) until the gate opens: a slow backend.</summary>
    public ManualResetEventSlim? Gate { get; set; }

    internal Fault? NextFault()
    {
        Interlocked.Increment(ref _attempts);
        Gate?.Wait(TestTimeouts.InProcess);
        return Faults.TryDequeue(out var f) ? f : null;
    }

    internal void Accept(ExportTraceServiceRequest request, IDictionary<string, string> headers)
    {
        Requests.Enqueue(request);
        Headers.Enqueue(headers);
        _arrived.Release();
    }

    private async Task HandleHttp(HttpContext context)
    {
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
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (context.Request.ContentType == "application/json")
        {
            JsonBodies.Enqueue(System.Text.Encoding.UTF8.GetString(body.ToArray()));
            Accept(new ExportTraceServiceRequest(), headers);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(fault?.RejectSpans > 0 ? $"{{\"partialSuccess\":{{\"rejectedSpans\":\"{fault.RejectSpans}\",\"errorMessage\":\"too old\"}}}}" : "{}");
            return;
        }

        Accept(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()), headers);
        var response = new ExportTraceServiceResponse();
        if (fault?.RejectSpans > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = fault.RejectSpans, ErrorMessage = "too old" };
        }

        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(response.ToByteArray());
    }

    /// <summary>A <c>google.rpc.Status</c> carrying a <c>RetryInfo</c>, encoded by hand (no google.rpc types here).</summary>
    internal static byte[] StatusWithRetryInfo(int code, TimeSpan delay)
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
}

/// <summary>The gRPC side of <see cref="OtlpReceiver"/>.</summary>
public sealed class TraceReceiverService(OtlpReceiver receiver) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        var fault = receiver.NextFault();
        if (fault is { GrpcStatus: not GrpcStatusCode.OK })
        {
            var trailers = new Metadata();
            if (fault.RetryDelay is { } delay)
            {
                trailers.Add("grpc-status-details-bin", OtlpReceiver.StatusWithRetryInfo((int)fault.GrpcStatus, delay));
            }

            throw new RpcException(new Status(fault.GrpcStatus, "injected fault"), trailers);
        }

        receiver.Accept(request, context.RequestHeaders.Where(h => !h.IsBinary).ToDictionary(h => h.Key, h => h.Value));
        var response = new ExportTraceServiceResponse();
        if (fault?.RejectSpans > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = fault.RejectSpans, ErrorMessage = "too old" };
        }

        return Task.FromResult(response);
    }
}

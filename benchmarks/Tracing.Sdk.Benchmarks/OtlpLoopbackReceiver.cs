using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporter.Otlp.Serialization;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// A Kestrel OTLP receiver that counts spans and discards them: gRPC (h2c) on one port, HTTP/1.1 on another.
/// The gRPC answer is written by hand (an empty ExportTraceServiceResponse and grpc-status 0), so the receiver costs
/// the same for both exporters and needs no generated code. <c>GET /ok</c> on the HTTP port answers "ok": the
/// downstream service of the <c>web</c> command's apps.
/// </summary>
public sealed class OtlpLoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _grpc;
    private readonly WebApplication _http;
    private long _spans;
    private long _bytes;

    private readonly bool _count;

    private OtlpLoopbackReceiver(int grpcPort, int httpPort, bool count)
    {
        _count = count;
        _grpc = Build(grpcPort, HttpProtocols.Http2, app => app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", HandleGrpc));
        _http = Build(httpPort, HttpProtocols.Http1, app =>
        {
            app.MapPost("/v1/traces", HandleHttp);
            app.MapGet("/count", () => Interlocked.Read(ref _spans).ToString(System.Globalization.CultureInfo.InvariantCulture));
            app.MapGet("/bytes", () => Interlocked.Read(ref _bytes).ToString(System.Globalization.CultureInfo.InvariantCulture));

            // The downstream service of the web benchmark's apps: a tiny untraced answer.
            app.MapGet("/ok", () => "ok");
        });
    }

    public Uri GrpcEndpoint { get; private set; } = null!;

    public Uri HttpEndpoint { get; private set; } = null!;

    public long Spans => Interlocked.Read(ref _spans);

    /// <summary>Starts the receiver; with <paramref name="count"/> false it drains bodies without parsing or copying them.</summary>
    public static async Task<OtlpLoopbackReceiver> StartAsync(int grpcPort = 0, int httpPort = 0, bool count = true)
    {
        var r = new OtlpLoopbackReceiver(grpcPort, httpPort, count);
        await r._grpc.StartAsync();
        await r._http.StartAsync();
        r.GrpcEndpoint = new Uri(Address(r._grpc));
        r.HttpEndpoint = new Uri(new Uri(Address(r._http)), "/v1/traces");
        return r;
    }

    public async ValueTask DisposeAsync()
    {
        await _grpc.StopAsync();
        await _http.StopAsync();
        await _grpc.DisposeAsync();
        await _http.DisposeAsync();
    }

    /// <summary>Counts the spans of an ExportTraceServiceRequest: resource_spans(1) / scope_spans(2) / spans(2).</summary>
    public static int CountSpans(ReadOnlySpan<byte> request)
    {
        int count = 0;
        var r = new ProtobufReader(request);
        while (r.TryReadTag(out int f, out var t))
        {
            if (f != 1 || t != WireType.LengthDelimited)
            {
                r.Skip(t);
                continue;
            }

            var rs = new ProtobufReader(r.ReadLengthDelimited());
            while (rs.TryReadTag(out int f2, out var t2))
            {
                if (f2 != 2 || t2 != WireType.LengthDelimited)
                {
                    rs.Skip(t2);
                    continue;
                }

                var ss = new ProtobufReader(rs.ReadLengthDelimited());
                while (ss.TryReadTag(out int f3, out var t3))
                {
                    if (f3 == 2 && t3 == WireType.LengthDelimited)
                    {
                        count++;
                    }

                    ss.Skip(t3);
                }
            }
        }

        return count;
    }

    private static WebApplication Build(int port, HttpProtocols protocols, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, port, o => o.Protocols = protocols);
        });
        var app = builder.Build();
        map(app);
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static async Task<byte[]> ReadBody(HttpContext context)
    {
        var body = context.Request.ContentLength is long length ? new MemoryStream((int)length) : new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        return body.GetBuffer().AsSpan(0, (int)body.Length).ToArray();
    }

    private static async Task Drain(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
    }

    private static readonly byte[] s_emptyGrpcMessage = new byte[5];

    private async Task HandleGrpc(HttpContext context)
    {
        if (!_count)
        {
            await Drain(context);
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            await context.Response.Body.WriteAsync(s_emptyGrpcMessage);
            return;
        }

        var body = await ReadBody(context);
        int spans = 0;
        int offset = 0;
        while (offset + 5 <= body.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            spans += CountSpans(body.AsSpan(offset + 5, length));
            offset += 5 + length;
        }

        Interlocked.Add(ref _spans, spans);
        Interlocked.Add(ref _bytes, body.Length);
        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", "0");
        await context.Response.Body.WriteAsync(s_emptyGrpcMessage);
    }

    private async Task HandleHttp(HttpContext context)
    {
        if (!_count)
        {
            await Drain(context);
            context.Response.ContentType = "application/x-protobuf";
            return;
        }

        var body = await ReadBody(context);
        Interlocked.Add(ref _spans, CountSpans(body));
        Interlocked.Add(ref _bytes, body.Length);
        context.Response.ContentType = "application/x-protobuf";
        context.Response.StatusCode = 200;
    }
}

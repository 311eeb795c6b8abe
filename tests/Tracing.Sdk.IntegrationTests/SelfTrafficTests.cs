using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Exporter.Zipkin;
using Tracing.Sdk.IntegrationTests.Greet;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>
/// The SDK never traces itself: an application with every instrumentation and every exporter, whose exports go through
/// the very HttpClient and gRPC diagnostics it instruments, delivers nothing while idle and exactly the request's spans
/// after a request.
/// </summary>
public class SelfTrafficTests
{
    private const int IdleRounds = 10;

    [Fact]
    public async Task AppWithEveryInstrumentationAndExporter_DeliversNothingWhileIdle_AndExactlyTheRequestsSpans()
    {
        await using var greeter = await TestService.StartAsync("greeter", null, Services.MapGreeter, configureServices: Services.AddGrpc, http2Only: true);
        await using var grpcReceiver = await OtlpReceiver.StartAsync(grpc: true);
        await using var protobufReceiver = await OtlpReceiver.StartAsync(grpc: false);
        await using var jsonReceiver = await OtlpReceiver.StartAsync(grpc: false);
        await using var zipkin = await ZipkinEndpoint.StartAsync();

        var builder = TestHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        builder.Configuration["Tracing:ServiceName"] = "shop";
        builder.Configuration["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        builder.Services.AddHttpClient();
        builder.Services.AddTracing(t => t
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddGrpcClientInstrumentation()
            .AddOtlpExporter(o => { o.Protocol = OtlpExportProtocol.Grpc; o.Endpoint = grpcReceiver.Endpoint; })
            .AddOtlpExporter(o => { o.Protocol = OtlpExportProtocol.HttpProtobuf; o.Endpoint = protobufReceiver.Endpoint; })
            .AddOtlpExporter(o => { o.Protocol = OtlpExportProtocol.HttpJson; o.Endpoint = jsonReceiver.Endpoint; })
            .AddZipkinExporter(o => o.Endpoint = zipkin.Endpoint));
        await using var app = builder.Build();
        Uri? self = null;
        app.MapGet("/ping", () => Results.Text("pong"));
        app.MapGet("/order", async (IHttpClientFactory factory) =>
        {
            string pong = await factory.CreateClient().GetStringAsync(new Uri(self!, "/ping"));
            using var channel = GrpcChannel.ForAddress(greeter.Address);
            var reply = await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = "shop" });
            return Results.Text(pong + "|" + reply.Message);
        });
        await app.StartAsync();
        self = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var provider = app.Services.GetRequiredService<TracerProvider>();

        int[] Counts() =>
        [
            grpcReceiver.Spans.Count(),
            protobufReceiver.Spans.Count(),
            jsonReceiver.JsonBodies.Sum(OtlpJsonSpanCount),
            zipkin.Bodies.Sum(ZipkinSpanCount),
        ];

        // Idle: export rounds pass (the 200 ms schedule and forced flushes), and nothing at all arrives.
        await IdleAsync(provider);
        Assert.Equal([0, 0, 0, 0], Counts());

        // One request from outside the app's instrumentation, so its spans are all the app's: server /order, the
        // HttpClient call and its server span /ping, and the gRPC call.
        string body;
        using (SuppressInstrumentationScope.Begin())
        using (var http = new HttpClient())
        {
            body = await http.GetStringAsync(new Uri(self, "/order"));
        }

        Assert.Equal("pong|hello shop", body);
        Waiting.Until(() => { provider.ForceFlush(); return Counts().All(c => c >= 4); }, "the request's spans at every receiver");

        // Idle again: the exports of the request's spans were not traced, so nothing follows them.
        await IdleAsync(provider);
        Assert.Equal([4, 4, 4, 4], Counts());

        var spans = grpcReceiver.Spans.ToArray();
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
        Assert.Equal(
            ["GET", "GET /order", "GET /ping", "greet.Greeter/SayHello"],
            spans.Select(s => s.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(
            protobufReceiver.Spans.Select(s => s.SpanId.ToBase64()).Order(StringComparer.Ordinal).ToArray(),
            spans.Select(s => s.SpanId.ToBase64()).Order(StringComparer.Ordinal).ToArray());

        // No export carried trace headers.
        Assert.All(grpcReceiver.Headers.Concat(protobufReceiver.Headers).Concat(jsonReceiver.Headers),
            h => Assert.False(h.ContainsKey("traceparent"), "an export request carried a traceparent header"));
        Assert.All(zipkin.Headers, h => Assert.DoesNotContain("traceparent", h));
        await app.StopAsync();
    }

    [Fact]
    public async Task TwoProvidersInOneProcess_DoNotTraceEachOthersExports()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        await using var grpcReceiver = await OtlpReceiver.StartAsync(grpc: true);
        using var first = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("first")
            .AddHttpClientInstrumentation().AddGrpcClientInstrumentation()
            .AddOtlpExporter(o => { o.Protocol = OtlpExportProtocol.HttpProtobuf; o.Endpoint = receiver.Endpoint; }).Build();
        using var second = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("second")
            .AddHttpClientInstrumentation().AddGrpcClientInstrumentation()
            .AddOtlpExporter(o => { o.Protocol = OtlpExportProtocol.Grpc; o.Endpoint = grpcReceiver.Endpoint; }).Build();

        first.GetTracer("t").StartSpan("one").End();
        second.GetTracer("t").StartSpan("two").End();
        for (int round = 0; round < IdleRounds; round++)
        {
            Assert.True(first.ForceFlush());
            Assert.True(second.ForceFlush());
        }

        Assert.Equal(["one"], receiver.Spans.Select(s => s.Name).ToArray());
        Assert.Equal(["two"], grpcReceiver.Spans.Select(s => s.Name).ToArray());
    }

    private static async Task IdleAsync(TracerProvider provider)
    {
        for (int round = 0; round < IdleRounds; round++)
        {
            // A forced flush exports whatever ended since the last one (a traced export would be such a span), and
            // the wait lets the 200 ms schedule run too.
            Assert.True(provider.ForceFlush());
            await Task.Delay(200);
        }
    }

    private static int OtlpJsonSpanCount(string json)
    {
        using var doc = JsonDocument.Parse(json);
        int count = 0;
        foreach (var resource in doc.RootElement.GetProperty("resourceSpans").EnumerateArray())
        {
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                count += scope.GetProperty("spans").GetArrayLength();
            }
        }

        return count;
    }

    private static int ZipkinSpanCount(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetArrayLength();
    }

    /// <summary>A Zipkin v2 endpoint on Kestrel that keeps each body and each request's header names.</summary>
    private sealed class ZipkinEndpoint : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ZipkinEndpoint(WebApplication app) => _app = app;

        public Uri Endpoint { get; private set; } = null!;

        public ConcurrentQueue<string> Bodies { get; } = new();

        public ConcurrentQueue<string[]> Headers { get; } = new();

        public static async Task<ZipkinEndpoint> StartAsync()
        {
            var builder = TestHosts.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var endpoint = new ZipkinEndpoint(app);
            app.MapPost("/api/v2/spans", async context =>
            {
                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                endpoint.Headers.Enqueue(context.Request.Headers.Keys.Select(k => k.ToLowerInvariant()).ToArray());
                endpoint.Bodies.Enqueue(await reader.ReadToEndAsync());
                context.Response.StatusCode = 202;
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            endpoint.Endpoint = new Uri(new Uri(address), "/api/v2/spans");
            return endpoint;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>
/// client → service A → service B (and → gRPC service C), each service its own Kestrel app with its own provider in
/// this process, all over real loopback HTTP.
/// </summary>
public class DistributedTraceTests
{
    private static TracerProvider ClientProvider(string? propagators, List<SpanData> spans)
        => new TracerProviderBuilder()
            .SetSettingsSource(name => name == "OTEL_PROPAGATORS" ? propagators : null)
            .SetServiceName("client")
            .AddHttpClientInstrumentation()
            .AddInMemoryExporter(spans)
            .Build();

    private static SpanData[] Snapshot(List<SpanData> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    [Theory]
    [InlineData("tracecontext,baggage", "traceparent", "traceparent")]
    [InlineData("b3,baggage", "b3", "b3")]
    [InlineData("b3multi,baggage", "x-b3-traceid", "x-b3-spanid")]
    [InlineData("jaeger", "uber-trace-id", "uber-trace-id")]
    public async Task Chain_IsOneTrace_EachServerSpanChildOfItsCallingClientSpan_WithOneSetOfHeaders(string propagators, string traceHeader, string spanHeader)
    {
        await using var b = await TestService.StartAsync("service-b", propagators, Services.MapEcho, t => t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
        await using var a = await TestService.StartAsync("service-a", propagators, app => Services.MapChain(app, () => b.Address), t => t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
        var clientSpans = new List<SpanData>();
        string echo;
        using (var provider = ClientProvider(propagators, clientSpans))
        {
            var tracer = provider.GetTracer("test");
            using var http = new HttpClient();
            var previousBaggage = Baggage.Current;
            Baggage.Current = Baggage.Empty.SetItem("tenant", "t-42");
            try
            {
                using var rootScope = tracer.StartActiveSpan("test-root");
                echo = await http.GetStringAsync(new Uri(a.Address, "/chain"));
            }
            finally
            {
                Baggage.Current = previousBaggage;
            }

            Waiting.Until(() => a.Snapshot().Length >= 2 && b.Snapshot().Length >= 1 && Snapshot(clientSpans).Length >= 2, "all spans");
        }

        var client = Snapshot(clientSpans);
        var aSpans = a.Snapshot();
        var bSpans = b.Snapshot();
        Assert.Equal(2, client.Length);
        Assert.Equal(2, aSpans.Length);
        Assert.Single(bSpans);

        var root = client.Single(s => s.Name == "test-root");
        var clientCall = client.Single(s => s.Kind == SpanKind.Client);
        var aServer = aSpans.Single(s => s.Kind == SpanKind.Server);
        var aCall = aSpans.Single(s => s.Kind == SpanKind.Client);
        var bServer = bSpans.Single();
        var all = client.Concat(aSpans).Concat(bSpans).ToArray();

        Assert.Single(all.Select(s => s.TraceId).Distinct());
        Assert.Equal(all.Length, all.Select(s => s.SpanId).Distinct().Count());
        Assert.Equal(root.SpanId, clientCall.ParentSpanId);
        Assert.Equal(clientCall.SpanId, aServer.ParentSpanId);
        Assert.True(aServer.HasRemoteParent);
        Assert.Equal(aServer.SpanId, aCall.ParentSpanId);
        Assert.Equal(aCall.SpanId, bServer.ParentSpanId);
        Assert.Equal("GET /chain", aServer.Name);
        Assert.Equal("GET /echo", bServer.Name);
        Assert.Equal("service-a", aServer.Resource.Attributes.ToArray().Last(kv => kv.Key == "service.name").Value.AsString());

        // Exactly one set of headers, in the configured format only.
        Assert.Single(Services.HeaderValues(echo, traceHeader));
        if (traceHeader != "traceparent")
        {
            Assert.Empty(Services.HeaderValues(echo, "traceparent"));
        }

        if (traceHeader != "b3")
        {
            Assert.Empty(Services.HeaderValues(echo, "b3"));
        }

        if (traceHeader != "uber-trace-id")
        {
            Assert.Empty(Services.HeaderValues(echo, "uber-trace-id"));
        }

        Assert.Empty(Services.HeaderValues(echo, "request-id"));
        Assert.Single(Services.HeaderValues(echo, spanHeader));
        Assert.Contains(aCall.SpanId.ToString(), Services.HeaderValues(echo, spanHeader)[0], StringComparison.Ordinal);

        // Baggage crossed both hops, and the handler saw its server span as current.
        Assert.Equal(["t-42"], Services.HeaderValues(echo, "a-baggage"));
        Assert.Equal(["t-42"], Services.HeaderValues(echo, "x-seen-baggage"));
        Assert.Equal([bServer.SpanId.ToString()], Services.HeaderValues(echo, "x-seen-span"));

        // The hosting Activity (what loggers read) carries the same trace, whatever the format.
        Assert.Equal([bServer.TraceId.ToString()], Services.HeaderValues(echo, "x-seen-activity-trace"));
        Assert.DoesNotContain(all.SelectMany(s => s.Attributes.ToArray()), kv => kv.Value.AsString() == "t-42");
    }

    [Fact]
    public async Task FilteredRequest_HasNoSpan_ButTheCallsItMakesContinueTheCallersTrace()
    {
        await using var b = await TestService.StartAsync("service-b", null, Services.MapEcho, t => t.AddAspNetCoreInstrumentation());
        await using var a = await TestService.StartAsync("service-a", null, app => Services.MapChain(app, () => b.Address),
            t => t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health")).AddHttpClientInstrumentation());
        var clientSpans = new List<SpanData>();
        using (var provider = ClientProvider(null, clientSpans))
        {
            using var http = new HttpClient();
            using var root = provider.GetTracer("test").StartActiveSpan("test-root");
            await http.GetStringAsync(new Uri(a.Address, "/health/chain"));
            Waiting.Until(() => b.Snapshot().Length >= 1 && a.Snapshot().Length >= 1, "spans of A and B");
        }

        var clientCall = Snapshot(clientSpans).Single(s => s.Kind == SpanKind.Client);
        var aSpans = a.Snapshot();
        var aCall = Assert.Single(aSpans);
        Assert.Equal(SpanKind.Client, aCall.Kind);
        Assert.Equal(clientCall.TraceId, aCall.TraceId);
        Assert.Equal(clientCall.SpanId, aCall.ParentSpanId);
        var bServer = Assert.Single(b.Snapshot());
        Assert.Equal(aCall.SpanId, bServer.ParentSpanId);
        Assert.Equal(clientCall.TraceId, bServer.TraceId);
    }

    [Fact]
    public async Task GrpcCall_FromServiceA_IsAClientSpanInTheSameTrace_WithRpcAttributes()
    {
        await using var c = await TestService.StartAsync("service-c", null, Services.MapGreeter, t => t.AddAspNetCoreInstrumentation(), Services.AddGrpc, http2Only: true);
        await using var a = await TestService.StartAsync("service-a", null, app => Services.MapChain(app, () => c.Address, () => c.Address),
            t => t.AddAspNetCoreInstrumentation().AddGrpcClientInstrumentation());
        var clientSpans = new List<SpanData>();
        string reply;
        using (var provider = ClientProvider(null, clientSpans))
        {
            using var http = new HttpClient();
            var previousBaggage = Baggage.Current;
            Baggage.Current = Baggage.Empty.SetItem("tenant", "t-grpc");
            try
            {
                // A root span of the client's provider makes the call the client's: with several providers in one
                // process, a request with no recorded parent goes to whichever instrumentation sees it first.
                using var rootScope = provider.GetTracer("test").StartActiveSpan("test-root");
                reply = await http.GetStringAsync(new Uri(a.Address, "/grpc"));
            }
            finally
            {
                Baggage.Current = previousBaggage;
            }

            Waiting.Until(() => c.Snapshot().Length >= 1 && a.Snapshot().Length >= 2 && Snapshot(clientSpans).Length >= 2, "spans of A and C");
        }

        Assert.Equal("hello a|t-grpc", reply);
        var aSpans = a.Snapshot();
        Assert.True(aSpans.Length == 2, string.Join("; ", aSpans.Select(s => $"{s.Name} {s.Kind} {s.SpanId} parent {s.ParentSpanId}")));
        var aServer = aSpans.Single(s => s.Kind == SpanKind.Server);
        var grpcCall = aSpans.Single(s => s.Kind == SpanKind.Client);
        var cServer = Assert.Single(c.Snapshot());
        var clientCall = Snapshot(clientSpans).Single(s => s.Kind == SpanKind.Client);

        Assert.Equal("greet.Greeter/SayHello", grpcCall.Name);
        Assert.Equal("grpc", grpcCall.GetAttribute("rpc.system")!.Value.AsString());
        Assert.Equal("greet.Greeter", grpcCall.GetAttribute("rpc.service")!.Value.AsString());
        Assert.Equal("SayHello", grpcCall.GetAttribute("rpc.method")!.Value.AsString());
        Assert.Equal(0, grpcCall.GetAttribute("rpc.grpc.status_code")!.Value.AsLong());
        Assert.Equal(aServer.SpanId, grpcCall.ParentSpanId);
        Assert.Equal(grpcCall.SpanId, cServer.ParentSpanId);
        Assert.Equal("greet.Greeter/SayHello", cServer.Name);
        Assert.Equal(0, cServer.GetAttribute("rpc.grpc.status_code")!.Value.AsLong());
        Assert.Single(new[] { clientCall.TraceId, aServer.TraceId, grpcCall.TraceId, cServer.TraceId }.Distinct());
    }
}

using System.Collections.Generic;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>Real spans from a real provider (copies from the in-memory exporter, safe to keep).</summary>
internal static class TestSpans
{
    public static readonly TraceState ParentState = Parse("vendor=abc,other=1");
    public static readonly TraceState LinkState = Parse("linked=yes");

    public static SpanData[] Rich(string service = "checkout")
    {
        var spans = new List<SpanData>();
        using (var provider = new TracerProviderBuilder()
            .SetSettingsSource(_ => null)
            .SetServiceName(service)
            .AddResourceAttributes([new KeyValue("deployment.environment", "test")])
            .SetSpanLimits(new SpanLimits { AttributeCountLimit = 9, EventCountLimit = 1, LinkCountLimit = 1 })
            .AddInMemoryExporter(spans)
            .Build())
        {
            var tracer = provider.GetTracer("scope.a", "1.2.3");
            var parent = new SpanContext(new TraceId(0x0102030405060708, 0x090a0b0c0d0e0f10), new SpanId(0x1112131415161718), TraceFlags.Sampled, ParentState, isRemote: true);
            var linked = new SpanContext(new TraceId(0x2122232425262728, 0x292a2b2c2d2e2f30), new SpanId(0x3132333435363738), TraceFlags.Sampled, LinkState, isRemote: true);
            Link[] links = [new Link(linked, [new KeyValue("link.attr", 7)]), new Link(linked)];
            var span = tracer.StartSpan("GET /cart", SpanKind.Client, parent, links: links);
            span.SetAttribute("str", "x");
            span.SetAttribute("bool", true);
            span.SetAttribute("long", -42L);
            span.SetAttribute("double", 2.5);
            span.SetAttribute("strs", new[] { "a", "b" });
            span.SetAttribute("bools", new[] { true, false });
            span.SetAttribute("longs", new[] { 1L, long.MaxValue });
            span.SetAttribute("doubles", new[] { 0.5, -1.0 });
            span.SetAttribute("unicode", "héllo ✓");
            span.SetAttribute("dropped", 1);
            span.AddEvent("cache miss", [new KeyValue("key", "cart:1")]);
            span.AddEvent("dropped event");
            span.SetStatus(StatusCode.Error, "boom");
            span.End();

            var other = provider.GetTracer("scope.b");
            other.StartRootSpan("internal work").End();
        }

        return [.. spans];
    }

    /// <summary>A typical span: 5 attributes and one event.</summary>
    public static SpanData[] Typical(int count)
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("bench").AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("bench", "1.0");
        for (int i = 0; i < count; i++)
        {
            var span = tracer.StartRootSpan("GET /api/items", SpanKind.Server);
            span.SetAttribute("http.request.method", "GET");
            span.SetAttribute("url.path", "/api/items");
            span.SetAttribute("http.response.status_code", 200);
            span.SetAttribute("server.address", "example.com");
            span.SetAttribute("server.port", 443);
            span.AddEvent("handler.start");
            span.End();
        }

        return [.. spans];
    }

    public static SpanBatch Batch(SpanData[] spans) => new(spans, spans.Length);

    private static TraceState Parse(string text)
    {
        Assert.True(TraceState.TryParse(text, out var state));
        return state;
    }
}

using System;
using System.IO;
using System.Linq;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class TraceTests
{
    private static (TestPipeline Pipeline, SpanContext Request) MakeTrace()
    {
        var p = new TestPipeline(b => b.SetServiceName("shop"));
        var t = p.Tracer;
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var root = t.StartSpan("GET /checkout", SpanKind.Server, default(SpanContext), startTime: start);
        root.SetAttribute("http.request.method", "GET");
        var b = t.StartSpan("orders", SpanKind.Client, root, startTime: start.AddMilliseconds(10));
        var d = t.StartSpan("SELECT", SpanKind.Client, b, startTime: start.AddMilliseconds(12));
        d.End(start.AddMilliseconds(30));
        b.End(start.AddMilliseconds(40));
        var c = t.StartSpan("inventory", SpanKind.Client, root, startTime: start.AddMilliseconds(5));
        c.SetStatus(StatusCode.Error, "timeout");
        c.End(start.AddMilliseconds(50));
        var g = t.StartSpan("send receipt", SpanKind.Producer, root, links: [Link.FollowsFrom(root.Context)], startTime: start.AddMilliseconds(60));
        g.End(start.AddMilliseconds(70));
        root.End(start.AddMilliseconds(100));
        return (p, root.Context);
    }

    [Fact]
    public void FromSpans_BuildsTheTreeWithChildrenInStartOrder()
    {
        var (p, request) = MakeTrace();
        using var _ = p;
        var trace = Assert.Single(Trace.FromSpans(p.Spans));
        var root = Assert.Single(trace.Roots);
        Assert.Equal("GET /checkout", root.Span.Name);
        Assert.Equal(new[] { "inventory", "orders", "send receipt" }, root.Children.Select(c => c.Span.Name));
        Assert.Equal("SELECT", trace.Find("orders")!.Children.Single().Span.Name);
        Assert.Equal(2, trace.Find("SELECT")!.Depth);
        Assert.Equal(request.SpanId, trace.Find("send receipt")!.FollowsFrom.Single().SpanId);
        Assert.Equal(TimeSpan.FromMilliseconds(100), trace.Duration);
        Assert.Equal(new[] { "GET /checkout", "inventory", "orders", "SELECT", "send receipt" }, trace.Nodes.Select(n => n.Span.Name));
    }

    [Fact]
    public void FromSpans_SurvivesParentCycles()
    {
        using var p = new TestPipeline();
        var traceId = IdGenerator.Random.NewTraceId();
        var idA = IdGenerator.Random.NewSpanId();
        var a = p.Tracer.StartSpan("a", SpanKind.Internal, new SpanContext(traceId, idA, TraceFlags.Sampled));
        var b = p.Tracer.StartSpan("b", SpanKind.Internal, a);
        b.End();
        a.End();
        // Make a cycle: a clone of "a" whose parent is "b".
        var spans = p.Snapshot();
        var trace = Assert.Single(Trace.FromSpans(spans));
        Assert.Equal(2, trace.Nodes.Count);
    }

    [Fact]
    public void Waterfall_FitsEightyColumnsAndShowsTheTree()
    {
        var (p, _) = MakeTrace();
        using var __ = p;
        string text = WaterfallFormatter.Format(Trace.FromSpans(p.Spans)[0]);
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"too wide ({l.Length}): {l}"));
        Assert.StartsWith("trace ", lines[0]);
        Assert.Contains("shop", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("GET /checkout") && l.Contains("100 ms"));
        Assert.Contains(lines, l => l.StartsWith("├─inventory") && l.EndsWith("ERROR"));
        Assert.Contains(lines, l => l.StartsWith("│ └─SELECT"));
        Assert.Contains(lines, l => l.Contains("follows from GET /checkout"));
        Assert.Contains(lines, l => l.Contains("error: timeout"));

        // The root's bar spans the whole axis; SELECT's starts 12% in.
        string rootBar = lines.First(l => l.StartsWith("GET /checkout")).Substring(31, 30);
        Assert.DoesNotContain('·', rootBar);
        string selectBar = lines.First(l => l.Contains("SELECT")).Substring(31, 30);
        Assert.Equal(3, selectBar.IndexOf('█'));
    }

    [Fact]
    public void ConsoleExporter_PrintsATraceWhenItsLocalRootEnds()
    {
        var output = new StringWriter();
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddConsoleExporter(output).Build();
        var tracer = provider.GetTracer("t");
        using (tracer.StartActiveSpan("root"))
        {
            using (tracer.StartSpan("child"))
            {
            }

            Assert.Equal(string.Empty, output.ToString());
        }

        string text = output.ToString();
        Assert.Contains("└─child", text);
        Assert.Contains("2 spans", text);
    }

    [Fact]
    public void ConsoleExporter_PrintsIncompleteTracesOnFlush()
    {
        var output = new StringWriter();
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddConsoleExporter(output).Build();
        var tracer = provider.GetTracer("t");
        var root = tracer.StartSpan("root still open");
        tracer.StartSpan("orphan", SpanKind.Internal, root).End();
        Assert.Equal(string.Empty, output.ToString());
        provider.ForceFlush();
        Assert.Contains("orphan", output.ToString());
        root.End();
    }
}

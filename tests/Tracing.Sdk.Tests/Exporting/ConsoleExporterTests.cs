using System;
using System.IO;
using System.Linq;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.Tests.Exporting;

public class ConsoleExporterTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TracerProvider Provider(StringWriter output, bool verbose) => new TracerProviderBuilder()
        .SetSettingsSource(_ => null)
        .SetServiceName("checkout")
        .AddConsoleExporter(verbose, output)
        .Build();

    private static string[] Lines(string text) => text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    // The README's quick start, as written there.
    private static void QuickStart(Tracer tracer)
    {
        using (var request = tracer.StartActiveSpan("handle order", SpanKind.Server))
        {
            request.Span.SetAttribute("order.items", 3);
            using var child = tracer.StartSpan("load cart");
            child.AddEvent("cache miss");
        }
    }

    [Fact]
    public void Compact_ShowsTheQuickStartsAttributeAndEvent_AsAWaterfall()
    {
        var output = new StringWriter();
        using (var provider = Provider(output, verbose: false))
        {
            QuickStart(provider.GetTracer("MyCompany.Checkout", "1.0.0"));
        }

        var lines = Lines(output.ToString());
        Assert.StartsWith("trace ", lines[0]);
        int root = Array.FindIndex(lines, l => l.StartsWith("handle order", StringComparison.Ordinal));
        int child = Array.FindIndex(lines, l => l.StartsWith("└─load cart", StringComparison.Ordinal));
        Assert.True(root > 0 && child > root, output.ToString());
        Assert.Equal("  server  order.items=3", lines[root + 1]);
        Assert.StartsWith("    • +", lines[child + 1]);
        Assert.EndsWith(" cache miss", lines[child + 1]);
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"too wide ({l.Length}): {l}"));
    }

    [Fact]
    public void Compact_FlowsManyAttributesOntoSeveralLines_AndShowsEveryOne()
    {
        var output = new StringWriter();
        using (var provider = Provider(output, verbose: false))
        {
            var span = provider.GetTracer("t").StartSpan("many attributes");
            for (int i = 0; i < 20; i++)
            {
                span.SetAttribute("app.attribute." + i, "value-" + i);
            }

            span.SetAttribute("http.request.method", "PUT");
            span.End();
        }

        var lines = Lines(output.ToString());
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"too wide ({l.Length}): {l}"));
        var details = lines.SkipWhile(l => !l.StartsWith("many attributes", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.True(details.Count > 2, output.ToString());
        Assert.All(details, l => Assert.StartsWith("  ", l));
        // The well-known attribute comes first, then the others in the order they were set.
        Assert.StartsWith("  http.request.method=PUT  app.attribute.0=value-0", details[0]);
        string all = string.Join(" ", details);
        for (int i = 0; i < 20; i++)
        {
            Assert.Contains($"app.attribute.{i}=value-{i}", all);
        }
    }

    [Fact]
    public void Compact_CutsOnlyAValueTooLongForALine_AndAMultiLineValueAtItsFirstLineBreak()
    {
        var output = new StringWriter();
        using (var provider = Provider(output, verbose: false))
        {
            var span = provider.GetTracer("t").StartSpan("long values");
            span.SetAttribute("url.full", "http://example.com/" + new string('a', 200));
            span.SetAttribute("short", "kept");
            span.RecordException(new InvalidOperationException("line one\nline two"));
            span.End();
        }

        string text = output.ToString();
        var lines = Lines(text);
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"too wide ({l.Length}): {l}"));
        Assert.Contains(lines, l => l.StartsWith("  url.full=http://example.com/aaa", StringComparison.Ordinal) && l.EndsWith('…'));
        Assert.Contains("short=kept", text);
        Assert.Contains(lines, l => l.Contains(" exception", StringComparison.Ordinal) && l.StartsWith("  • +", StringComparison.Ordinal));
        Assert.Contains("exception.type=System.InvalidOperationException", text);
        Assert.Contains("exception.message=line one…", text);
        Assert.DoesNotContain("line two", text);
    }

    [Fact]
    public void Verbose_CutsNothing_AndAddsIdsScopesLinksAndEventTimes()
    {
        var output = new StringWriter();
        string longUrl = "http://example.com/" + new string('a', 200);
        Assert.True(TraceId.TryParse("4bf92f3577b34da6a3ce929d0e0e4736", out var linkedTrace));
        Assert.True(SpanId.TryParse("00f067aa0ba902b7", out var linkedSpan));
        SpanContext linked = new(linkedTrace, linkedSpan, TraceFlags.Sampled);
        SpanContext rootContext;
        using (var provider = Provider(output, verbose: true))
        {
            var tracer = provider.GetTracer("MyCompany.Checkout", "1.0.0");
            var root = tracer.StartSpan("root", startTime: s_start);
            rootContext = root.Context;
            var child = tracer.StartSpan("child", SpanKind.Internal, root, links: [new Link(linked, [new KeyValue("link.reason", "batch")])], startTime: s_start.AddMilliseconds(1));
            child.SetAttribute("url.full", longUrl);
            child.AddEvent("cache miss", s_start.AddMilliseconds(3));
            child.RecordException(new InvalidOperationException("line one\nline two"));
            child.End(s_start.AddMilliseconds(5));
            root.End(s_start.AddMilliseconds(10));
        }

        string text = output.ToString();
        Assert.Contains("url.full=" + longUrl, text);
        Assert.Contains("span=" + rootContext.SpanId, text);
        Assert.Contains("parent=" + rootContext.SpanId, text);
        Assert.Contains("scope=MyCompany.Checkout 1.0.0", text);
        Assert.Contains($"link {linked.TraceId}/{linked.SpanId}", text);
        Assert.Contains("link.reason=batch", text);
        Assert.Contains("• +2.00 ms (2026-01-01T00:00:00.0030000+00:00) cache miss", text);
        Assert.Contains("line two", text);
        Assert.Contains("resource: ", text);
        Assert.Contains("service.name=checkout", text);
        Assert.Contains("└─child", text);
    }
}

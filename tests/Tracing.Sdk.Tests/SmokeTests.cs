using System.Collections.Generic;
using Tracing.Sdk;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.Tests;

public class SmokeTests
{
    [Fact]
    public void NestedActiveSpans_ShareTraceAndParent()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("smoke");
        using (var outer = tracer.StartActiveSpan("outer"))
        {
            using var inner = tracer.StartSpan("inner");
        }

        Assert.Equal(2, spans.Count);
        Assert.Equal(spans[1].SpanId, spans[0].ParentSpanId);
        Assert.Equal(spans[1].TraceId, spans[0].TraceId);
    }
}

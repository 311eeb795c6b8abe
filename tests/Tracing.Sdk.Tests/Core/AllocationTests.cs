using System;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

/// <summary>The allocation contract: measured with the deterministic per-thread allocation counter.</summary>
public class AllocationTests
{
    private const int Spans = 10_000;

    private static long Measure(Action run)
    {
        for (int i = 0; i < 3; i++)
        {
            run(); // warm-up: JIT tiers, pool fill, lazy statics
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        run();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void SampledSpanWithEightAttributes_NotMadeCurrent_AllocatesNothing()
    {
        var exporter = new DiscardingExporter();
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null)
            .SetSampler(Sampler.AlwaysOn)
            .AddProcessor(new SimpleExportProcessor(exporter))
            .Build();
        var tracer = provider.GetTracer("alloc");

        long bytes = Measure(() =>
        {
            for (int i = 0; i < Spans; i++)
            {
                var span = tracer.StartSpan("operation", SpanKind.Client);
                span.SetAttribute("http.request.method", "GET");
                span.SetAttribute("http.response.status_code", 200);
                span.SetAttribute("server.address", "example.com");
                span.SetAttribute("server.port", 443);
                span.SetAttribute("retry", false);
                span.SetAttribute("ratio", 0.5);
                span.SetAttribute("url.path", "/api");
                span.SetAttribute("attempt", i);
                span.End();
            }
        });

        Assert.Equal(0, bytes);
        Assert.True(exporter.Count >= Spans);
    }

    [Fact]
    public void UnsampledSpan_AllocatesNothing()
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOff).AddProcessor(new CountingProcessor()).Build();
        var tracer = provider.GetTracer("alloc");
        long bytes = Measure(() =>
        {
            for (int i = 0; i < Spans; i++)
            {
                var span = tracer.StartSpan("operation");
                span.SetAttribute("k", i);
                span.End();
            }
        });

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void ChildOfAnExplicitParent_AllocatesNothing()
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddProcessor(new SimpleExportProcessor(new DiscardingExporter())).Build();
        var tracer = provider.GetTracer("alloc");
        var parent = tracer.StartSpan("parent");
        long bytes = Measure(() =>
        {
            for (int i = 0; i < Spans; i++)
            {
                tracer.StartSpan("child", SpanKind.Internal, parent).End();
            }
        });

        parent.End();
        Assert.Equal(0, bytes);
    }
}

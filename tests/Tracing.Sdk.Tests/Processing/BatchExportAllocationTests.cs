using System;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Processing;

public class BatchExportAllocationTests
{
    private static readonly string[] Keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];

    private static void Produce(Tracer tracer, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var span = tracer.StartSpan("op", SpanKind.Server);
            int attributes = 3 + (i % 6);
            for (int a = 0; a < attributes; a++)
            {
                switch (a % 3)
                {
                    case 0:
                        span.SetAttribute(Keys[a], "value");
                        break;
                    case 1:
                        span.SetAttribute(Keys[a], i);
                        break;
                    default:
                        span.SetAttribute(Keys[a], true);
                        break;
                }
            }

            span.End();
        }
    }

    [Fact]
    public void SampledSpans_ThroughTheBatchProcessor_AllocateNothingOnTheProducingThread_AfterWarmUp()
    {
        var processor = new BatchExportProcessor(new DiscardingExporter());
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOn).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("alloc");

        // Warm-up: hold more records at once than can ever be outstanding (queue + one batch in export), so the thread's
        // pool has enough of them, each with an attribute buffer of full size; then the ordinary path, JIT tiers included.
        var open = new Span[BatchExportProcessorOptions.DefaultMaxQueueSize + BatchExportProcessorOptions.DefaultMaxExportBatchSize + 512];
        for (int i = 0; i < open.Length; i++)
        {
            open[i] = tracer.StartSpan("warm");
            for (int a = 0; a < 8; a++)
            {
                open[i].SetAttribute(Keys[a], a);
            }
        }

        foreach (var span in open)
        {
            span.End();
        }

        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(30)));
        for (int round = 0; round < 3; round++)
        {
            Produce(tracer, 10_000);
            Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(30)));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        Produce(tracer, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(30)));
        Assert.Equal(processor.GetStats().Received, processor.Exported + processor.Dropped);
    }

    [Fact]
    public void UnsampledSpans_AllocateNothing()
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOff).AddProcessor(new BatchExportProcessor(new DiscardingExporter())).Build();
        var tracer = provider.GetTracer("alloc");
        Produce(tracer, 1_000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Produce(tracer, 10_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

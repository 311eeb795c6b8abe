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
    public void ExportedSpans_DoNotKeepTheirValuesAlive_WhileTheirRecordWaitsInThePool()
    {
        var processor = new BatchExportProcessor(new DiscardingExporter());
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOn).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("pool");
        var (name, value, description, eventName) = EndASpanWithFreshStrings(tracer);
        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(60)));
        Assert.Equal(1, processor.Exported);

        // The record is back in this thread's pool, not rented again: nothing the span referenced may be kept by it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(name.IsAlive, "span name");
        Assert.False(value.IsAlive, "attribute value");
        Assert.False(description.IsAlive, "status description");
        Assert.False(eventName.IsAlive, "event name");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (WeakReference Name, WeakReference Value, WeakReference Description, WeakReference EventName) EndASpanWithFreshStrings(Tracer tracer)
    {
        string name = new('n', 40);
        string value = new('v', 40);
        string description = new('d', 40);
        string eventName = new('e', 40);
        var span = tracer.StartSpan(name);
        span.SetAttribute("fresh", value);
        span.AddEvent(eventName);
        span.SetStatus(new SpanStatus(StatusCode.Error, description));
        span.End();
        return (new(name), new(value), new(description), new(eventName));
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

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Processing;

[Collection(SdkMeterCollection.Name)]
public class SdkMeterTests
{
    private sealed class Readings : IDisposable
    {
        private readonly MeterListener _listener = new();

        public Readings()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SdkMeter.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string key = instrument.Name;
                foreach (var tag in tags)
                {
                    key += $"|{tag.Key}={tag.Value}";
                }

                Values.AddOrUpdate(key, value, (_, old) => instrument is Counter<long> ? old + value : value);
            });
            _listener.Start();
        }

        public ConcurrentDictionary<string, long> Values { get; } = new();

        public Dictionary<string, long> Collect()
        {
            _listener.RecordObservableInstruments();
            return new Dictionary<string, long>(Values);
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public void Meter_PublishesSpanCountsAndExportOutcomes_AndEachDropReasonsOwnCount()
    {
        // The meter is process-wide; this class runs alone (see SdkMeterCollection), so its growth is this test's alone.
        using var readings = new Readings();
        var before = readings.Collect();

        // Export failures: the first export (10 spans) throws.
        var exporter = new ThrowOnceExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = 16, MaxExportBatchSize = 16 });
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOn).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("test");
        for (int i = 0; i < 10; i++)
        {
            tracer.StartSpan("failed").End();
        }

        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(30)));
        for (int i = 0; i < 5; i++)
        {
            tracer.StartSpan("exported").End();
        }

        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(30)));

        // A full queue: the exporter is held while 100 spans end into a queue of 4.
        var gated = new GatedExporter();
        var full = new BatchExportProcessor(gated, new() { MaxQueueSize = 4, MaxExportBatchSize = 4 });
        using var fullProvider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOn).AddProcessor(full).Build();
        var fullTracer = fullProvider.GetTracer("test");
        for (int i = 0; i < 100; i++)
        {
            fullTracer.StartSpan("queued").End();
        }

        gated.Gate.Set();
        Assert.True(fullProvider.ForceFlush(TimeSpan.FromSeconds(30)));

        SdkMeter.AddExportRetries(3);
        var after = readings.Collect();

        long Growth(string key) => after.GetValueOrDefault(key) - before.GetValueOrDefault(key);
        var stats = processor.GetStats();
        var fullStats = full.GetStats();
        Assert.Equal(5, stats.Exported);
        Assert.Equal(10, stats.DroppedExportFailure);
        Assert.Equal(0, stats.DroppedShutdown);
        Assert.Equal(0, stats.DroppedQueueFull);
        Assert.Equal(1, stats.ExportFailures);
        Assert.Equal(2, stats.ExportAttempts);
        Assert.True(fullStats.DroppedQueueFull > 0, "the held exporter should have made the queue overflow");
        Assert.Equal(0, fullStats.DroppedExportFailure);
        Assert.Equal(0, fullStats.DroppedShutdown);
        Assert.Equal(100, fullStats.Exported + fullStats.DroppedQueueFull);

        // Each reason carries exactly its own count; the other instruments add up what the two processors did.
        Assert.Equal(10, Growth("tracing.sdk.span.dropped|reason=export_failure"));
        Assert.Equal(0, Growth("tracing.sdk.span.dropped|reason=shutdown"));
        Assert.Equal(fullStats.DroppedQueueFull, Growth("tracing.sdk.span.dropped|reason=queue_full"));
        Assert.Equal(5 + fullStats.Exported, Growth("tracing.sdk.span.exported"));
        Assert.Equal(115, Growth("tracing.sdk.span.started"));
        Assert.Equal(115, Growth("tracing.sdk.span.ended"));
        Assert.Equal(stats.ExportAttempts + fullStats.ExportAttempts, Growth("tracing.sdk.export.attempts"));
        Assert.Equal(1, Growth("tracing.sdk.export.failures"));
        Assert.Equal(3, Growth("tracing.sdk.export.retries"));
        Assert.Contains("tracing.sdk.queue.depth", after.Keys);
    }

    [Fact]
    public void InFlight_CountsTheBatchTheExporterHolds_SoEveryReceivedSpanIsAccountedFor()
    {
        using var readings = new Readings();
        var gated = new GatedExporter();
        var processor = new BatchExportProcessor(gated, new() { MaxQueueSize = 8, MaxExportBatchSize = 4, ScheduledDelay = TimeSpan.FromMinutes(10) });
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOn).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("test");
        for (int i = 0; i < 4; i++)
        {
            tracer.StartSpan("held").End();
        }

        // Asking for an export without waiting: the exporter thread takes the four spans and is held inside Export.
        provider.ForceFlush(TimeSpan.Zero);
        Assert.True(gated.Entered.Wait(TimeSpan.FromSeconds(60)));
        tracer.StartSpan("queued").End();
        tracer.StartSpan("queued").End();

        var stats = processor.GetStats();
        Assert.Equal(6, stats.Enqueued);
        Assert.Equal(4, stats.InFlight);
        Assert.Equal(2, stats.QueueDepth);
        Assert.Equal(0, stats.Exported);
        Assert.Equal(stats.Received, stats.Exported + stats.Dropped + stats.QueueDepth + stats.InFlight);
        Assert.Equal(4, readings.Collect()["tracing.sdk.export.in_flight"]);

        gated.Gate.Set();
        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(60)));
        stats = processor.GetStats();
        Assert.Equal(6, stats.Exported);
        Assert.Equal(0, stats.InFlight);
        Assert.Equal(0, stats.QueueDepth);
        Assert.Equal(0, readings.Collect()["tracing.sdk.export.in_flight"]);
    }

    [Fact]
    public void ThreadSpanCounts_AreExact_ForSpansOfThisThread()
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOn).AddProcessor(new BatchExportProcessor(new DiscardingExporter())).Build();
        var tracer = provider.GetTracer("test");
        var counts = ThreadSpanCounts.Current;
        var (startedBefore, endedBefore) = (counts.StartedForTest, counts.EndedForTest);
        for (int i = 0; i < 100; i++)
        {
            tracer.StartSpan("op").End();
        }

        var open = tracer.StartSpan("open");
        Assert.Equal(101, counts.StartedForTest - startedBefore);
        Assert.Equal(100, counts.EndedForTest - endedBefore);
        open.End();
    }
}

/// <summary>
/// Tests that read the process-wide meter run alone, after the parallel ones: only then is the growth of a reading the
/// test's own, exactly.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SdkMeterCollection
{
    public const string Name = "SdkMeter";
}

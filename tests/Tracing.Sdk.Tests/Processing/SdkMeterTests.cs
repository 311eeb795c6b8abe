using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Processing;

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
    public void Meter_PublishesSpanCountsAndExportOutcomes()
    {
        // Other test classes run in parallel and use the same process-wide meter, so compare growth, not totals.
        using var readings = new Readings();
        var before = readings.Collect();
        var exporter = new ThrowOnceExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = 16, MaxExportBatchSize = 16 });
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).SetSampler(Sampler.AlwaysOn).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("test");

        for (int i = 0; i < 10; i++)
        {
            tracer.StartSpan("failed").End();
        }

        Assert.True(provider.ForceFlush(30_000));
        for (int i = 0; i < 5; i++)
        {
            tracer.StartSpan("exported").End();
        }

        Assert.True(provider.ForceFlush(30_000));
        SdkMeter.AddExportRetries(3);
        var after = readings.Collect();

        long Growth(string key) => after.GetValueOrDefault(key) - before.GetValueOrDefault(key);
        Assert.True(Growth("tracing.sdk.span.started") >= 15);
        Assert.True(Growth("tracing.sdk.span.ended") >= 15);
        Assert.True(Growth("tracing.sdk.span.exported") >= 5);
        Assert.True(Growth("tracing.sdk.export.attempts") >= 2);
        Assert.True(Growth("tracing.sdk.export.failures") >= 1);
        Assert.True(Growth("tracing.sdk.span.dropped|reason=export_failure") >= 10);
        Assert.True(Growth("tracing.sdk.export.retries") >= 3);
        Assert.Contains("tracing.sdk.span.dropped|reason=queue_full", after.Keys);
        Assert.Contains("tracing.sdk.span.dropped|reason=shutdown", after.Keys);
        Assert.Contains("tracing.sdk.queue.depth", after.Keys);

        // The processor's own counts are exact.
        var stats = processor.GetStats();
        Assert.Equal(5, stats.Exported);
        Assert.Equal(10, stats.DroppedExportFailure);
        Assert.Equal(1, stats.ExportFailures);
        Assert.Equal(2, stats.ExportAttempts);
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

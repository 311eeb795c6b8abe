using System;
using System.Collections.Concurrent;
using System.Threading;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;
using Xunit;

namespace Tracing.Sdk.Tests.Processing;

/// <summary>
/// An exporter that keeps delivering after <c>Export</c> returned (<see cref="ExportResult.Pending"/>) and reports the
/// outcome later: the batch processor counts such a batch as neither exported nor dropped until then, then exactly once.
/// </summary>
public sealed class PendingExportTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public void APendingBatch_IsCountedOnlyOnceItsOutcomeIsReported_AsExportedOrDroppedWithItsReason()
    {
        var exporter = new DeferredExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxExportBatchSize = 10, ScheduledDelay = TimeSpan.FromMinutes(10) });
        var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("test");
        Assert.True(exporter.CanCompleteLaterNow);

        for (int i = 0; i < 30; i++)
        {
            tracer.StartSpan("op").End();
        }

        Assert.True(provider.ForceFlush(Generous));
        Assert.Equal(3, exporter.Batches.Count);
        var stats = processor.GetStats();
        Assert.Equal(0, stats.Exported);
        Assert.Equal(0, stats.Dropped);
        Assert.Equal(30, processor.PendingSpans);
        Assert.Equal(30, stats.InFlight);
        Assert.Equal(0, stats.QueueDepth);

        // One delivered, one failed: counted now, each once.
        exporter.Complete(ExportResult.Success);
        exporter.Complete(ExportResult.Failure);
        stats = processor.GetStats();
        Assert.Equal(10, stats.Exported);
        Assert.Equal(10, stats.DroppedExportFailure);
        Assert.Equal(1, stats.ExportFailures);
        Assert.Equal(10, processor.PendingSpans);
        Assert.Equal(10, stats.InFlight);

        // A batch that fails once shutdown has begun was lost to the shutdown.
        Assert.True(provider.Shutdown(Generous));
        exporter.Complete(ExportResult.Failure);
        stats = processor.GetStats();
        Assert.Equal(0, processor.PendingSpans);
        Assert.Equal(0, stats.InFlight);
        Assert.Equal(10, stats.DroppedShutdown);
        Assert.Equal(30, stats.Enqueued);
        Assert.Equal(stats.Enqueued, stats.Exported + stats.Dropped);
    }

    [Fact]
    public void AnAbandonedExportThatStillReturnsPending_IsCountedOnce()
    {
        var exporter = new HangThenPendingExporter();
        var processor = new BatchExportProcessor(exporter, new() { ExportTimeout = TimeSpan.FromMilliseconds(100), ScheduledDelay = TimeSpan.FromMinutes(10) });
        var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddProcessor(processor).Build();
        try
        {
            var tracer = provider.GetTracer("test");
            tracer.StartSpan("hung").End();
            provider.ForceFlush(TimeSpan.Zero); // asks for the export without waiting for it
            Assert.True(exporter.Entered.Wait(Generous));
            Assert.True(SpinWait.SpinUntil(() => processor.GetStats().ExportsAbandoned == 1, Generous));

            // The hung export returns Pending after all; once the processor has seen that, the exporter reports it.
            exporter.Release();
            Assert.True(SpinWait.SpinUntil(() => processor.PendingSpans == 1, Generous));
            exporter.Complete(ExportResult.Success);

            var stats = processor.GetStats();
            Assert.Equal(0, processor.PendingSpans);
            Assert.Equal(1, stats.DroppedExportFailure);
            Assert.Equal(0, stats.Exported);
            Assert.Equal(stats.Enqueued, stats.Exported + stats.Dropped);
        }
        finally
        {
            exporter.Release();
            provider.Shutdown(Generous);
        }
    }

    [Fact]
    public void AnExporterCalledWithoutABatchProcessor_IsToldItsCallerExpectsAFinalResult()
    {
        using var exporter = new DeferredExporter();

        Assert.False(exporter.CanCompleteLaterNow);
    }

    /// <summary>Hangs in its first export until released, then takes the batch over (Pending); reports when told.</summary>
    private sealed class HangThenPendingExporter : SpanExporter
    {
        private readonly ManualResetEventSlim _release = new(false);
        private int _spans;

        public ManualResetEventSlim Entered { get; } = new(false);

        public void Release() => _release.Set();

        public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
        {
            _spans = batch.Count;
            Entered.Set();
            _release.Wait(CancellationToken.None);
            return ExportResult.Pending;
        }

        public void Complete(ExportResult result) => CompletePending(_spans, result);
    }

    /// <summary>Keeps the batch sizes and reports each outcome when the test says so.</summary>
    private sealed class DeferredExporter : SpanExporter
    {
        public ConcurrentQueue<int> Batches { get; } = new();

        public bool CanCompleteLaterNow => CanCompleteLater;

        public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
        {
            Batches.Enqueue(batch.Count);
            return ExportResult.Pending;
        }

        public void Complete(ExportResult result)
        {
            Assert.True(Batches.TryDequeue(out int spans));
            CompletePending(spans, result);
        }
    }
}

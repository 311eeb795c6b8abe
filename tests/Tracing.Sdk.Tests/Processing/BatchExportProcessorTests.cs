using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Tests.Processing;

public class BatchExportProcessorTests
{
    private static readonly TimeSpan Generous = TestTimeouts.InProcess;

    private static TracerProvider Build(BatchExportProcessor processor, Sampler? sampler = null) =>
        new TracerProviderBuilder()
            .SetSettingsSource(static _ => null)
            .SetSampler(sampler ?? Sampler.AlwaysOn)
            .AddProcessor(processor)
            .Build();

    private static void RunThreads(int threads, Action<int> body)
    {
        var all = new Thread[threads];
        using var start = new ManualResetEventSlim(false);
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            all[t] = new Thread(() =>
            {
                start.Wait();
                body(id);
            });
            all[t].Start();
        }

        start.Set();
        foreach (var th in all)
        {
            Assert.True(th.Join(Generous));
        }
    }

    [Fact]
    public void ManyThreads_ExportEverySampledSpanExactlyOnce_WhenTheQueueIsLargeEnough()
    {
        const int Threads = 6;
        const int PerThread = 5_000;
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = Threads * PerThread, MaxExportBatchSize = 256 });
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");
        var ended = new ConcurrentBag<SpanId>();

        RunThreads(Threads, _ =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                var span = tracer.StartSpan("op");
                span.SetAttribute("i", i);
                ended.Add(span.Context.SpanId);
                span.End();
            }
        });

        Assert.True(provider.ForceFlush(Generous));
        Assert.Equal(Threads * PerThread, exporter.Spans);
        Assert.Equal(Threads * PerThread, exporter.Seen.Count);
        Assert.All(exporter.Seen.Values, n => Assert.Equal(1, n));
        Assert.All(ended, id => Assert.True(exporter.Seen.ContainsKey(id)));
        var stats = processor.GetStats();
        Assert.Equal(0, processor.Dropped);
        Assert.Equal(Threads * PerThread, processor.Exported);
        Assert.Equal(Threads * PerThread, stats.Enqueued);
        Assert.Equal(0, stats.QueueDepth);
    }

    [Fact]
    public void SpansStartedOnOneThreadAndEndedOnAnother_AreQueuedByTheEndingThread_AndTwoProcessorsKeepApartRings()
    {
        // The per-thread state (ProducerThread) caches one ring: a thread that ends spans of two providers alternately
        // must still put each span into its own processor's ring. The second round reuses records rented by this thread,
        // ended by another and returned by the exporter threads.
        const int Spans = 2_000;
        var exporterA = new CountingExporter();
        var exporterB = new CountingExporter();
        var processorA = new BatchExportProcessor(exporterA, new() { MaxQueueSize = Spans, MaxExportBatchSize = 128 });
        var processorB = new BatchExportProcessor(exporterB, new() { MaxQueueSize = Spans, MaxExportBatchSize = 128 });
        using var providerA = Build(processorA);
        using var providerB = Build(processorB);
        var tracerA = providerA.GetTracer("a");
        var tracerB = providerB.GetTracer("b");

        for (int round = 0; round < 2; round++)
        {
            var started = new Span[Spans];
            for (int i = 0; i < Spans; i++)
            {
                started[i] = (i & 1) == 0 ? tracerA.StartSpan("a") : tracerB.StartSpan("b");
                started[i].SetAttribute("i", i);
            }

            RunThreads(1, _ =>
            {
                foreach (var span in started)
                {
                    span.End();
                }
            });

            Assert.True(providerA.ForceFlush(Generous));
            Assert.True(providerB.ForceFlush(Generous));
            Assert.All(started, s => Assert.False(s.IsRecording));
        }

        Assert.Equal(Spans, exporterA.Spans);
        Assert.Equal(Spans, exporterB.Spans);
        Assert.Equal(Spans, processorA.Exported + processorA.Dropped);
        Assert.Equal(Spans, processorB.Exported + processorB.Dropped);
        Assert.Equal(0, processorA.Dropped);
        Assert.Equal(0, processorB.Dropped);
    }

    [Fact]
    public void FullQueue_DropsAndCountsExactly_AndNeverHoldsMoreThanTheQueueSize_WhenTheExporterIsBlocked()
    {
        const int Threads = 4;
        const int PerThread = 2_000;
        const int QueueSize = 64;
        const int BatchSize = 16;
        var exporter = new GatedExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = QueueSize, MaxExportBatchSize = BatchSize, ExportTimeout = TimeSpan.FromMilliseconds(600_000) });
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");

        // One span first, so the exporter thread is parked inside Export holding one batch.
        tracer.StartSpan("first").End();
        processor.ForceFlush(TimeSpan.Zero); // only wakes the exporter thread
        Assert.True(exporter.Entered.Wait(Generous));

        RunThreads(Threads, _ =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                tracer.StartSpan("op").End();
            }
        });

        // Nothing can be exported while the gate is shut: the queue holds at most QueueSize spans, the rest were dropped.
        var blocked = processor.GetStats();
        Assert.Equal(1 + (Threads * PerThread), blocked.Received);
        Assert.True(blocked.QueueDepth <= QueueSize, $"queue depth {blocked.QueueDepth}");
        Assert.True(blocked.DroppedQueueFull >= (Threads * PerThread) - QueueSize, $"dropped {blocked.DroppedQueueFull}");

        exporter.Gate.Set();
        Assert.True(provider.ForceFlush(Generous));
        var stats = processor.GetStats();
        Assert.Equal(exporter.Spans, processor.Exported);
        Assert.Equal(1 + (Threads * PerThread), processor.Exported + processor.Dropped);
        Assert.Equal(stats.DroppedQueueFull, processor.Dropped);
        Assert.Equal(blocked.DroppedQueueFull, stats.DroppedQueueFull);
        Assert.True(processor.Exported <= QueueSize + BatchSize, $"exported {processor.Exported}");
    }

    [Fact]
    public void ForceFlush_ExportsEverySpanEndedBeforeTheCall_WhileOtherThreadsKeepProducing()
    {
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = 1 << 16, ScheduledDelay = TimeSpan.FromMilliseconds(60_000) });
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");
        using var stop = new ManualResetEventSlim(false);
        var producers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            while (!stop.IsSet)
            {
                for (int i = 0; i < 100; i++)
                {
                    tracer.StartSpan("background").End();
                }

                // Keep the queue below its bound so nothing is dropped; the flush below must still see all of ours.
                while (processor.GetStats().QueueDepth > 10_000 && !stop.IsSet)
                {
                    Thread.Yield();
                }
            }
        })).ToArray();
        foreach (var p in producers)
        {
            p.Start();
        }

        try
        {
            for (int round = 0; round < 20; round++)
            {
                var mine = new List<SpanId>();
                for (int i = 0; i < 50; i++)
                {
                    var span = tracer.StartSpan("mine");
                    mine.Add(span.Context.SpanId);
                    span.End();
                }

                Assert.True(processor.ForceFlush(Generous));
                Assert.All(mine, id => Assert.True(exporter.Seen.ContainsKey(id)));
            }
        }
        finally
        {
            stop.Set();
            foreach (var p in producers)
            {
                p.Join();
            }
        }

        Assert.True(provider.Shutdown(Generous));
        Assert.Equal(0, processor.Dropped);
        Assert.Equal(exporter.Spans, processor.Exported);
        Assert.All(exporter.Seen.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public void ForceFlushAndShutdown_Return_WhileTheQueueNeverFallsBelowABatch()
    {
        // Every export ends two batches' worth of new spans, so the queue never falls below one full batch: the worker must
        // still notice the flush and the stop instead of exporting full batches for ever (no timing: each export refills).
        const int Batch = 8;
        Tracer? tracer = null;
        var refill = 1;
        var exporter = new CallbackExporter(() =>
        {
            if (Volatile.Read(ref refill) != 0)
            {
                for (int i = 0; i < 2 * Batch; i++)
                {
                    tracer!.StartSpan("refill").End();
                }
            }
        });
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = 4096, MaxExportBatchSize = Batch, ScheduledDelay = TimeSpan.FromMilliseconds(60_000) });
        var provider = Build(processor);
        try
        {
            tracer = provider.GetTracer("test");
            var mine = new List<SpanId>();
            for (int i = 0; i < 4 * Batch; i++)
            {
                var span = tracer.StartSpan("mine");
                mine.Add(span.Context.SpanId);
                span.End();
            }

            // The first flush starts the exports (a producer's wake-up may come before its spans are published, and the
            // scheduled delay is a minute); once it returns, the refills keep a full batch queued, so the worker now runs
            // full batches — wait until it has exported more, then ask again: the second flush must be answered too.
            Assert.True(processor.ForceFlush(Generous));
            Assert.All(mine, id => Assert.True(exporter.Seen.ContainsKey(id)));
            long calls = exporter.Calls;
            Assert.True(SpinWait.SpinUntil(() => exporter.Calls >= calls + 3, Generous));
            Assert.True(processor.ForceFlush(Generous));
            Assert.True(provider.Shutdown(Generous));
        }
        finally
        {
            Volatile.Write(ref refill, 0);
            provider.Dispose();
        }
    }

    private sealed class CallbackExporter(Action onExport) : SpanExporter
    {
        private long _calls;

        public ConcurrentDictionary<SpanId, int> Seen { get; } = new();

        public long Calls => Volatile.Read(ref _calls);

        public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
        {
            foreach (var span in batch)
            {
                Seen.TryAdd(span.SpanId, 0);
            }

            Interlocked.Increment(ref _calls);
            onExport();
            return ExportResult.Success;
        }
    }

    [Fact]
    public void Shutdown_RacingWithProducers_ExportsOrCountsEverySpanThatEnded()
    {
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = 1024, MaxExportBatchSize = 128 });
        var provider = Build(processor);
        var tracer = provider.GetTracer("test");
        var recordedEnds = new long[4];
        long recordingAfterShutdown = 0;
        using var started = new CountdownEvent(4);
        var producers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            started.Signal();
            while (!provider.IsShutdown)
            {
                var span = tracer.StartSpan("op");
                if (span.IsRecording)
                {
                    recordedEnds[t]++;
                }

                span.End();
            }

            // A few more after shutdown: not recording, so not counted anywhere.
            for (int i = 0; i < 100; i++)
            {
                var late = tracer.StartSpan("late");
                if (late.IsRecording)
                {
                    Interlocked.Increment(ref recordingAfterShutdown);
                }

                late.End();
            }
        })).ToArray();
        foreach (var p in producers)
        {
            p.Start();
        }

        Assert.True(started.Wait(Generous));
        var deadline = DateTime.UtcNow + Generous;
        while (processor.GetStats().Received < 5_000 && DateTime.UtcNow < deadline)
        {
            Thread.Yield();
        }

        Assert.True(provider.Shutdown(Generous));
        foreach (var p in producers)
        {
            Assert.True(p.Join(Generous));
        }

        var stats = processor.GetStats();
        Assert.Equal(0, recordingAfterShutdown);
        Assert.Equal(recordedEnds.Sum(), stats.Received);
        Assert.Equal(stats.Received, stats.Exported + stats.Dropped);
        Assert.Equal(exporter.Spans, stats.Exported);
        Assert.Equal(0, stats.QueueDepth);
        Assert.All(exporter.Seen.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public void Shutdown_IsIdempotent_AndLaterSpansAreNotExported()
    {
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter);
        var provider = Build(processor);
        var tracer = provider.GetTracer("test");
        tracer.StartSpan("before").End();

        Assert.True(provider.Shutdown(Generous));
        Assert.False(provider.Shutdown(Generous));
        Assert.False(processor.Shutdown(TimeSpan.FromSeconds(1)));
        Assert.True(processor.ForceFlush(TimeSpan.FromSeconds(1)));
        tracer.StartSpan("after").End();

        Assert.Equal(1, exporter.Spans);
        Assert.Equal(1, processor.Exported);
        Assert.Equal(0, processor.Dropped);
    }

    [Fact]
    public void SpanEndedDirectlyThroughTheProcessorAfterShutdown_IsDroppedWithReasonShutdown()
    {
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter);
        var sink = new BatchExportProcessor(new DiscardingExporter());

        // Two processors: the batch processor gets OnEnd and must retain the record itself.
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddProcessor(sink).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("test");
        var span = tracer.StartSpan("late");
        Assert.True(processor.Shutdown(Generous));
        span.End();

        Assert.Equal(1, processor.GetStats().DroppedShutdown);
        Assert.Equal(0, exporter.Spans);
    }

    [Fact]
    public void ThrowingExporter_DoesNotStopThePipeline_AndItsBatchIsCountedAsFailed()
    {
        var exporter = new ThrowOnceExporter();
        var processor = new BatchExportProcessor(exporter);
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");

        tracer.StartSpan("lost").End();
        Assert.True(provider.ForceFlush(Generous));
        tracer.StartSpan("kept").End();
        Assert.True(provider.ForceFlush(Generous));

        var stats = processor.GetStats();
        Assert.Equal(1, exporter.Spans);
        Assert.Equal(1, stats.Exported);
        Assert.Equal(1, stats.ExportFailures);
        Assert.Equal(1, stats.DroppedExportFailure);
        Assert.Equal(2, stats.ExportAttempts);
    }

    [Fact]
    public void SlowExporter_SeesItsTokenCancelledAtTheTimeout_AndThePipelineContinues()
    {
        var exporter = new SlowOnceExporter();
        var processor = new BatchExportProcessor(exporter, new() { ExportTimeout = TimeSpan.FromMilliseconds(100) });
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");

        tracer.StartSpan("slow").End();
        Assert.True(provider.ForceFlush(Generous));
        Assert.True(exporter.Cancelled.Wait(Generous));
        tracer.StartSpan("next").End();
        Assert.True(provider.ForceFlush(Generous));

        // Whether the exporter returned within the grace period or was abandoned (a very slow machine), its batch is
        // counted once as failed and the pipeline goes on.
        var stats = processor.GetStats();
        Assert.Equal(1, exporter.Spans);
        Assert.Equal(1, stats.ExportFailures);
        Assert.Equal(1, stats.DroppedExportFailure);
        Assert.Equal(1, stats.Exported);
    }

    [Fact]
    public void HangingExporter_IsAbandonedAfterTheTimeout_ItsRecordsAreNotRecycled_AndThePipelineContinues()
    {
        var exporter = new HangOnceExporter();
        var processor = new BatchExportProcessor(exporter, new() { ExportTimeout = TimeSpan.FromMilliseconds(100) });
        var provider = Build(processor);
        try
        {
            var tracer = provider.GetTracer("test");
            tracer.StartSpan("hung").End();
            Assert.True(provider.ForceFlush(Generous));
            Assert.True(exporter.Entered.Wait(Generous));
            Assert.True(exporter.TokenCancelled.Wait(Generous));

            // Many more spans on this thread: had the hung batch's record gone back to the pool, one of these would reuse it.
            for (int i = 0; i < 1000; i++)
            {
                tracer.StartSpan("after").End();
            }

            Assert.True(provider.ForceFlush(Generous));
            var stats = processor.GetStats();
            Assert.Equal(1000, exporter.Spans);
            Assert.Equal(1000, stats.Exported);
            Assert.Equal(1, stats.ExportsAbandoned);
            Assert.Equal(1, stats.ExportFailures);
            Assert.Equal(1, stats.DroppedExportFailure);
            var held = Assert.Single(exporter.Held);
            Assert.Equal("hung", held.Name);
            Assert.True(held.HasEnded);
        }
        finally
        {
            exporter.Release();
            provider.Shutdown(Generous);
        }
    }

    [Fact]
    public void UnsampledAndRecordOnlySpans_AreNotExported()
    {
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter);
        using var provider = Build(processor, new RecordOnlySampler());
        var tracer = provider.GetTracer("test");
        var span = tracer.StartSpan("recorded");
        Assert.True(span.IsRecording);
        span.End();

        Assert.True(provider.ForceFlush(Generous));
        Assert.Equal(0, exporter.Spans);
        Assert.Equal(0, processor.GetStats().Received);
    }

    [Fact]
    public void RingOfAThreadThatDied_IsDrainedThenUnregistered_AndItsCountsRemain()
    {
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter);
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");
        var worker = new Thread(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                tracer.StartSpan("from a short-lived thread").End();
            }
        });
        worker.Start();
        Assert.True(worker.Join(Generous));

        Assert.True(provider.ForceFlush(Generous));
        Assert.Equal(10, exporter.Spans);
        Assert.Equal(0, processor.RingCount);
        var stats = processor.GetStats();
        Assert.Equal(10, stats.Enqueued);
        Assert.Equal(10, stats.Exported);
    }

    [Fact]
    public void FullBatch_IsExportedWithoutWaitingForTheScheduledDelay()
    {
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxExportBatchSize = 8, ScheduledDelay = TimeSpan.FromMilliseconds(int.MaxValue) });
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");
        for (int i = 0; i < 64; i++)
        {
            tracer.StartSpan("op").End();
        }

        // No flush: only the batch-size wake-up can export these. Wait for the event, with a generous bound.
        var deadline = DateTime.UtcNow + Generous;
        while (exporter.Spans < 8 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.True(exporter.Spans >= 8, $"exported {exporter.Spans}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void ProducerWakeUps_AreNoMoreThanExports_EvenWhileIdleThreadsHoldUnspentCredits(int idleThreads)
    {
        // Each producer wake-up of the exporter thread costs the producer a syscall; one that finds less than a batch
        // queued is wasted (the thread sleeps again). Idle threads that ended a span hold the rest of their chunk of
        // credits, which makes the shared budget overstate the queue. Counts only, no timing: the scheduled delay is
        // out of reach, so batch wake-ups (and the one flush) are the only exports.
        const int Spans = 40 * 512;
        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = 1 << 16, MaxExportBatchSize = 512, ScheduledDelay = TimeSpan.FromMilliseconds(int.MaxValue) });
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");

        using var idle = new IdleThreads(tracer, idleThreads);

        // The flush exports the idle threads' spans; the exporter thread then sleeps knowing the credits they hold.
        Assert.True(provider.ForceFlush(Generous));
        long wakes0 = processor.WakeSignals;
        long calls0 = exporter.Calls;

        // A producer slower than the exporter: each span waits until the exporter thread sleeps, as it does between
        // batches when the exporter keeps up, so every wake-up decision is made with the worker asleep.
        for (int i = 0; i < Spans; i++)
        {
            Assert.True(SpinWait.SpinUntil(() => processor.ExporterAsleep, Generous));
            tracer.StartSpan("op").End();
        }

        // Only producers signal, so the count is final. Every wake-up that found a batch leads to an export: wait for
        // those (the event, with a generous bound), and for the batch wake-ups to have exported most spans unflushed.
        long wakes = processor.WakeSignals - wakes0;
        var deadline = DateTime.UtcNow + Generous;
        while ((exporter.Calls - calls0 < wakes || exporter.Spans < idleThreads + (Spans / 2)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        long calls = exporter.Calls - calls0;
        idle.Dispose();
        Assert.True(exporter.Spans >= idleThreads + (Spans / 2), $"exported {exporter.Spans}");
        Assert.True(wakes <= calls, $"{wakes} wake-ups for {calls} exports");
        Assert.Equal(0, processor.Dropped);
    }

    [Fact]
    public void ABudgetHeldByIdleThreads_DoesNotStopExports_WhileLessThanABatchIsQueued()
    {
        // Threads that ended a span and went idle each keep the rest of their chunk of credits. When they hold so many
        // that the budget runs out with less than a batch queued, the exporter thread must export what is queued (which
        // gives its credits back) rather than wait for a batch that cannot come: before, every later span was dropped
        // until the scheduled delay, here out of reach. Counts only; the one wait is for an export, bounded generously.
        const int Queue = 2048;
        const int Batch = 1024;
        int chunk = Math.Clamp(Queue / (16 * Environment.ProcessorCount), 1, 32); // CreditBudget's chunk
        Assert.True(chunk > 1, "the test needs chunks of more than one credit");
        int idleThreads = ((Queue - Batch) / (chunk - 1)) + 2;

        var exporter = new CountingExporter();
        var processor = new BatchExportProcessor(exporter, new() { MaxQueueSize = Queue, MaxExportBatchSize = Batch, ScheduledDelay = TimeSpan.FromMilliseconds(int.MaxValue) });
        using var provider = Build(processor);
        var tracer = provider.GetTracer("test");

        using var idle = new IdleThreads(tracer, idleThreads);
        Assert.True(provider.ForceFlush(Generous));
        Assert.Equal(idleThreads, exporter.Spans);

        // What the idle threads left in the budget: less than a batch. Spend all of it, then wait for an export.
        int left = Queue - (idleThreads * (chunk - 1));
        Assert.InRange(left, 1, Batch - 1);
        for (int i = 0; i < left; i++)
        {
            tracer.StartSpan("op").End();
        }

        var deadline = DateTime.UtcNow + Generous;
        while (exporter.Spans == idleThreads && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.True(exporter.Spans > idleThreads, "nothing exported while the budget was empty");

        // The credits are back: more spans are queued, not dropped.
        const int More = 100;
        for (int i = 0; i < More; i++)
        {
            tracer.StartSpan("op").End();
        }

        Assert.True(provider.ForceFlush(Generous));
        idle.Dispose();

        Assert.Equal(0, processor.Dropped);
        Assert.Equal(idleThreads + left + More, exporter.Spans);
    }

    [Fact]
    public void SharedSpanRecords_AreReleasedByEveryProcessor_WhenTwoBatchProcessorsExportTheSameSpans()
    {
        var a = new CountingExporter();
        var b = new CountingExporter();
        var pa = new BatchExportProcessor(a);
        var pb = new BatchExportProcessor(b);
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).AddProcessor(pa).AddProcessor(pb).Build();
        var tracer = provider.GetTracer("test");
        for (int i = 0; i < 500; i++)
        {
            tracer.StartSpan("op").End();
        }

        Assert.True(provider.ForceFlush(Generous));
        Assert.Equal(500, a.Spans);
        Assert.Equal(500, b.Spans);
        Assert.Equal(a.Seen.Keys.OrderBy(k => k.ToString()), b.Seen.Keys.OrderBy(k => k.ToString()));
    }
}

/// <summary>
/// Threads that each end one span, then wait without ending more until disposed: each keeps the rest of its chunk of
/// the processor's credits unspent. Dispose lets them finish and joins them.
/// </summary>
internal sealed class IdleThreads : IDisposable
{
    private readonly ManualResetEventSlim _release = new(false);
    private readonly Thread[] _threads;

    public IdleThreads(Tracer tracer, int count)
    {
        using var ready = new CountdownEvent(count);
        _threads = new Thread[count];
        for (int t = 0; t < count; t++)
        {
            _threads[t] = new Thread(() =>
            {
                tracer.StartSpan("then idle").End();
                ready.Signal();
                _release.Wait();
            });
            _threads[t].Start();
        }

        Assert.True(ready.Wait(TestTimeouts.InProcess));
    }

    public void Dispose()
    {
        if (_release.IsSet)
        {
            return;
        }

        _release.Set();
        foreach (var thread in _threads)
        {
            Assert.True(thread.Join(TestTimeouts.InProcess));
        }

        _release.Dispose();
    }
}

using System;
using System.Collections.Concurrent;
using System.Threading;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// A stand-in batching processor for the end-to-end run while the SDK's own batch processor is built on another
/// branch: OpenTelemetry's defaults (queue 2048, batches of 512, export on a full batch or every 5 s), drop when the
/// queue is full. <see cref="OtlpEndToEnd.CreateProcessor"/> is the one place to switch to <c>BatchExportProcessor</c>.
/// </summary>
internal sealed class OtlpBenchBatchProcessor : SpanProcessor
{
    private const int MaxQueue = 2048;
    private const int BatchSize = 512;

    private readonly SpanExporter _exporter;
    private readonly ConcurrentQueue<SpanData> _queue = new();
    private readonly AutoResetEvent _signal = new(false);
    private readonly SpanData[] _batch = new SpanData[BatchSize];
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _count;
    private int _wakeRequested;
    private long _dropped;

    public OtlpBenchBatchProcessor(SpanExporter exporter)
    {
        _exporter = exporter;
        _thread = new Thread(Run) { IsBackground = true, Name = "bench-batch-export" };
        _thread.Start();
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public override void OnEnd(SpanData span)
    {
        if (!span.Context.IsSampled)
        {
            return;
        }

        int count = Interlocked.Increment(ref _count);
        if (count > MaxQueue)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return;
        }

        span.Retain();
        _queue.Enqueue(span);
        // One wake-up per full batch: the flag is cleared by the export thread when it wakes, so concurrent
        // producers crossing the threshold together cannot all miss (or all pay for) the signal.
        if (count >= BatchSize && Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            _signal.Set();
        }
    }

    public override bool ForceFlush(int timeoutMilliseconds)
    {
        _signal.Set();
        var deadline = Environment.TickCount64 + timeoutMilliseconds;
        while (Volatile.Read(ref _count) > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(5);
        }

        return Volatile.Read(ref _count) == 0;
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        bool flushed = ForceFlush(timeoutMilliseconds);
        _stopping = true;
        _signal.Set();
        _thread.Join(timeoutMilliseconds);
        _exporter.Dispose();
        return flushed;
    }

    private void Run()
    {
        while (!_stopping)
        {
            _signal.WaitOne(5000);
            Volatile.Write(ref _wakeRequested, 0);
            while (!_queue.IsEmpty)
            {
                int n = 0;
                while (n < BatchSize && _queue.TryDequeue(out var span))
                {
                    _batch[n++] = span;
                }

                // Taken spans free their queue slots at once, as OpenTelemetry's circular buffer does.
                Interlocked.Add(ref _count, -n);

                try
                {
                    _exporter.Export(new SpanBatch(_batch, n), CancellationToken.None);
                }
                finally
                {
                    for (int i = 0; i < n; i++)
                    {
                        _batch[i].Release();
                        _batch[i] = null!;
                    }
                }

                if (Volatile.Read(ref _count) < BatchSize && !_stopping)
                {
                    break;
                }
            }
        }
    }
}

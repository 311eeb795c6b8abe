using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Processing;

/// <summary>
/// Queues sampled spans as they end and exports them in batches from a dedicated background thread, so the application
/// never waits on an exporter, a lock or I/O. Follows the OpenTelemetry batch span processor: an export starts when
/// <see cref="BatchExportProcessorOptions.MaxExportBatchSize"/> spans are waiting or
/// <see cref="BatchExportProcessorOptions.ScheduledDelay"/> has passed; a span that ends while
/// <see cref="BatchExportProcessorOptions.MaxQueueSize"/> spans are waiting is dropped and counted.
/// </summary>
/// <remarks>
/// <para>
/// The processor is the door and the shutdown handshake; the parts behind it each state their own invariants:
/// <see cref="RingRegistry"/> (the queue: one single-producer ring per producing thread), <see cref="CreditBudget"/>
/// (the queue's global bound), <see cref="ExportWorker"/> (the exporter thread, its wake-ups and flush tickets) and
/// <see cref="WatchedExporter"/> (the export timeout, abandonment, outcome counts and returning records to pools).
/// </para>
/// <para>
/// Delivery before creation: when the producers outrun the exporter, the queue is full and new spans are dropped — so
/// the spans worth the machine's time are the queued ones. A producing thread that keeps finding the queue full calls
/// <see cref="Thread.Yield"/> once every 256 drops. On a machine whose cores are all busy with the application, that is
/// what lets the exporter thread, the transport's I/O completions (thread-pool work for HTTP/2) and a collector on the
/// same host get a core within microseconds rather than a scheduler time slice, several times per export. The
/// application pays a few hundred nanoseconds per 256 dropped spans when nothing else wants the core, and never waits
/// on the exporter; measured with <c>e2e --full-speed</c> (docs/benchmarks.md), it multiplies the spans delivered under
/// overload.
/// </para>
/// <para>
/// Accounting is exact: every sampled span handed to the processor is counted once as enqueued or dropped at the door
/// (queue full, or ended after shutdown began), and every enqueued span once as exported or failed, or is still queued.
/// </para>
/// </remarks>
public sealed class BatchExportProcessor : SpanProcessor, IExportStatsSource
{
    // A power of two: producers that keep finding the queue full yield the processor once per this many drops.
    private const int YieldEvery = 256;

    private readonly SpanExporter _exporter;
    private readonly int _maxBatch;
    private readonly int _scheduledDelayMs;
    private readonly int _exportTimeoutMs;
    private readonly RingRegistry _rings;
    private readonly CreditBudget _budget;
    private readonly ExportWorker _worker;

    // The stop flag, read by producers on every span, alone on its cache line.
    private StopFlag _stop;

    /// <summary>Creates the processor with the default options (the <c>OTEL_BSP_*</c> variables are not read; see <see cref="BatchExportProcessorExtensions"/>).</summary>
    /// <param name="exporter">The exporter to call.</param>
    public BatchExportProcessor(SpanExporter exporter)
        : this(exporter, new BatchExportProcessorOptions())
    {
    }

    /// <summary>Creates the processor and starts its exporter thread.</summary>
    /// <param name="exporter">The exporter to call.</param>
    /// <param name="options">The options; every value must be positive.</param>
    /// <exception cref="InvalidOperationException">The exporter is already used by another processor.</exception>
    public BatchExportProcessor(SpanExporter exporter, BatchExportProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxQueueSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ScheduledDelayMilliseconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxExportBatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ExportTimeoutMilliseconds);
        exporter.AttachTo(this);

        _exporter = exporter;
        _maxBatch = Math.Min(options.MaxExportBatchSize, options.MaxQueueSize);
        _scheduledDelayMs = options.ScheduledDelayMilliseconds;
        _exportTimeoutMs = options.ExportTimeoutMilliseconds;
        _budget = new CreditBudget(options.MaxQueueSize);
        _rings = new RingRegistry(options.MaxQueueSize);
        _worker = new ExportWorker(_rings, _budget, exporter, _maxBatch, _scheduledDelayMs, _exportTimeoutMs);

        SdkMeter.Register(this);
        _worker.Start();
    }

    /// <summary>Spans the exporter reported as delivered.</summary>
    public long Exported => _worker.Exporter.Exported;

    /// <summary>Spans the exporter still delivers after its export returned (<see cref="ExportResult.Pending"/>): neither exported nor dropped yet.</summary>
    internal long PendingSpans => _worker.Exporter.Pending;

    /// <summary>Sampled spans that will never be exported: queue full, export failed or timed out, or ended after shutdown.</summary>
    public long Dropped => GetStats().Dropped;

    /// <summary>The options in effect (the batch size capped at the queue size).</summary>
    internal BatchExportProcessorOptions EffectiveOptions => new()
    {
        MaxQueueSize = _budget.Capacity,
        MaxExportBatchSize = _maxBatch,
        ScheduledDelay = TimeSpan.FromMilliseconds(_scheduledDelayMs),
        ExportTimeout = TimeSpan.FromMilliseconds(_exportTimeoutMs),
    };

    /// <summary>Times a producer woke the sleeping exporter thread.</summary>
    internal long WakeSignals => _worker.WakeSignals;

    /// <summary>True while the exporter thread sleeps (or is about to) until it is woken.</summary>
    internal bool ExporterAsleep => _worker.IsAsleep;

    /// <summary>Rings currently registered (one per producing thread that is alive or not yet drained).</summary>
    internal int RingCount => _rings.Count;

    /// <inheritdoc/>
    internal override bool WantsOnStart => false;

    /// <inheritdoc/>
    public override void OnEnd(SpanData span)
    {
        if (!span.Context.IsSampled)
        {
            return;
        }

        // Another processor shares the record: take our own reference, which the exporter thread releases.
        span.Retain();
        Enqueue(span, ProducerThread.Current);
    }

    /// <inheritdoc/>
    internal override void OnEndOwned(SpanData span, ProducerThread thread)
    {
        if (!span.Context.IsSampled)
        {
            span.Release();
            return;
        }

        Enqueue(span, thread);
    }

    /// <summary>Takes over one reference to <paramref name="span"/>: queues it, or releases it and counts the drop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Enqueue(SpanData span, ProducerThread thread)
    {
        var ring = _rings.ForThread(thread);

        // Shutdown handshake (a Dekker pair made cheap for this side): mark in-flight, then read the stop flag.
        // Shutdown sets the flag, runs a process-wide memory barrier, then waits for every ring's in-flight flag to
        // clear. The barrier orders our store before our load as seen by the shutdown thread, so either we see the
        // flag and drop, or shutdown sees us in flight and waits until our span is in the ring.
        ring.EnterInFlight();
        if (Volatile.Read(ref _stop.Stopping) != 0)
        {
            ring.CountDroppedShutdown();
            ring.ExitInFlight();
            span.Release();
            return;
        }

        if ((ring.HasCredit() || TakeCredit(ring)) && ring.TryEnqueue(span))
        {
            ring.ExitInFlight();
            return;
        }

        DropQueueFull(ring, span);
    }

    /// <summary>Producer: the queue is full; counts and releases the span.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropQueueFull(SpanRing ring, SpanData span)
    {
        ring.CountDroppedQueueFull();
        ring.ExitInFlight();
        span.Release();

        // Delivery before creation: a thread that finds the queue full offers its core to the threads that empty the
        // queue (see the remarks) — once every YieldEvery drops, a few hundred nanoseconds of syscall per 256 spans.
        if ((ring.DroppedQueueFull & (YieldEvery - 1)) == 0)
        {
            Thread.Yield();
        }
    }

    /// <summary>Producer: refills the ring's credits; wakes the exporter thread once a batch is waiting.</summary>
    /// <returns>False when the budget is empty: the queue is full.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TakeCredit(SpanRing ring)
    {
        if (!_budget.TryTake(ring, out long outstanding))
        {
            return false;
        }

        // The take was a full fence, as the worker's sleep handshake requires; the worker chose the threshold so that a
        // take crossing it finds a batch queued (see ExportWorker's wake threshold).
        _worker.WakeIfDue(outstanding);
        return true;
    }

    /// <inheritdoc/>
    public override bool ForceFlush(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        if (_worker.IsStopped)
        {
            return true;
        }

        return _worker.Flush(Deadline.ToMilliseconds(timeout)) && _exporter.ForceFlush(Deadline.Remaining(timeout, sw));
    }

    /// <inheritdoc/>
    protected override bool OnShutdown(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        int timeoutMilliseconds = Deadline.ToMilliseconds(timeout);
        _worker.Exporter.MarkShutdownBegun();
        _exporter.NotifyShutdownBegins(timeout);

        // Producers that read Stopping == 1 from here on drop their span (counted as shutdown); the barrier makes every
        // producer that read 0 visible as in flight (see Enqueue), and we wait for those to finish their enqueue.
        Volatile.Write(ref _stop.Stopping, 1);
        Interlocked.MemoryBarrierProcessWide();
        var spin = new SpinWait();
        foreach (var ring in _rings.Snapshot())
        {
            while (ring.InFlight && Deadline.Remaining(timeoutMilliseconds, sw) > 0)
            {
                spin.SpinOnce();
            }
        }

        // Every span that will ever reach a ring is in one now; the exporter thread exports them all, then stops.
        _rings.Close();
        bool drained = _worker.Stop(Deadline.Remaining(timeoutMilliseconds, sw));
        bool exporterDone = false;
        try
        {
            exporterDone = _exporter.Shutdown(Deadline.Remaining(timeout, sw));
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ProcessorFailed(nameof(BatchExportProcessor), nameof(SpanExporter.Shutdown), ex.Message);
        }

        if (drained)
        {
            _worker.Exporter.Dispose();
            SdkMeter.Retire(this);
        }

        return drained && exporterDone;
    }

    /// <inheritdoc cref="GetStats"/>
    BatchExportStats IExportStatsSource.GetStats() => GetStats();

    /// <summary>Exact counts; totals of rings of dead threads are included.</summary>
    internal BatchExportStats GetStats()
    {
        var (enqueued, full, shutdown) = _rings.Totals();
        var exports = _worker.Exporter;
        shutdown += exports.DroppedExportShutdown;

        // Budget, credits and in-transit counts move independently, so derive the depth from what the exporter thread has
        // taken: everything enqueued minus everything it has finished with or holds. Clamped: the reads are not atomic.
        long taken = _worker.Taken;
        long depth = Math.Max(0, enqueued - taken);
        long inFlight = Math.Max(0, taken - exports.Exported - exports.DroppedExportFailure - exports.DroppedExportShutdown);

        return new BatchExportStats(
            enqueued,
            full,
            shutdown,
            exports.DroppedExportFailure,
            exports.Exported,
            exports.Attempts,
            exports.Failures,
            exports.Abandoned,
            depth,
            inFlight);
    }

    /// <summary>The stop flag alone on its cache line (with the adjacent line), so it shares one with nothing written often.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * SpanRing.Padding)]
    private struct StopFlag
    {
        // Read by producers on every span; written once, at shutdown.
        [FieldOffset(SpanRing.Padding)]
        public int Stopping;
    }
}

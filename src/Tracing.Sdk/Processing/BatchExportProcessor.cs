using System;
using System.Diagnostics;
using System.Numerics;
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
/// The queue is one single-producer ring per producing thread (see <see cref="SpanRing"/> for why), registered on the
/// thread's first span and drained by the exporter thread; rings of threads that have died are drained and then
/// unregistered. The global bound is a shared budget of <c>MaxQueueSize</c> credits: a producer takes credits in chunks
/// (one interlocked operation per chunk) and spends one per span, and the exporter thread returns one per span it takes
/// out of a ring. Hence at every moment <c>budget + Σ unspent credits + Σ queued spans = MaxQueueSize</c>, and the
/// queued spans never exceed <c>MaxQueueSize</c>. The price is honesty about idle threads: a thread that stops
/// producing keeps at most <c>chunk - 1</c> unspent credits (the chunk is <c>MaxQueueSize / (16 × cores)</c>, clamped
/// to 1..32), which can only lower the usable capacity, never raise it; they return to the budget when the thread dies.
/// </para>
/// <para>
/// An exporter that throws or returns failure loses its batch (counted as dropped, reason <c>export_failure</c>). An
/// export that runs past the export timeout has its cancellation token cancelled; if it still has not returned after
/// a grace period (the smaller of the timeout and one second), it is abandoned: its batch is counted as failed, its
/// records are left to the garbage collector (the exporter may still be reading them), and a new exporter thread takes
/// over the queue. The abandoned thread exits when the export eventually returns.
/// </para>
/// </remarks>
public sealed class BatchExportProcessor : SpanProcessor
{
    [ThreadStatic]
    private static SpanRing? t_lastRing;

    [ThreadStatic]
    private static SpanRing[]? t_rings;

    private readonly SpanExporter _exporter;
    private readonly int _maxQueueSize;
    private readonly int _ringCapacity;
    private readonly int _creditChunk;
    private readonly int _maxBatch;
    private readonly int _scheduledDelayMs;
    private readonly int _exportTimeoutMs;
    private readonly int _abandonGraceMs;
    private readonly string _exporterName;

    // The shared budget and the stop flag, each alone on its cache line (see Shared).
    private Shared _shared;

    // Copy-on-write: producers add under _ringsLock (once per thread); the exporter thread reads the array without a lock.
    private readonly Lock _ringsLock = new();
    private volatile SpanRing[] _rings = [];

    // Spans and credits of rings whose thread died and that were unregistered, folded in so totals stay exact.
    private long _retiredEnqueued;
    private long _retiredDroppedQueueFull;
    private long _retiredDroppedShutdown;

    // Written by the current exporter thread only; read by any thread (statistics).
    private long _exported;
    private long _droppedExportFailure;
    private long _droppedExportShutdown;
    private long _exportAttempts;
    private long _exportFailures;
    private long _exportsAbandoned;

    // The exporter thread sleeps on _wake; _sleeping tells producers a wake-up is worth a Set.
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private int _sleeping;

    // Flush tickets: ForceFlush takes a ticket; the exporter thread reads the latest ticket, drains every ring, exports,
    // then publishes that ticket as done. Every span published before the ticket was taken is exported by then.
    private readonly object _flushLock = new();
    private long _flushRequested;
    private long _flushDone;

    private volatile bool _stopRequested;
    private readonly ManualResetEventSlim _stopped = new(false);

    // The export watchdog (see Export). _watch guards the fields below it.
    private readonly Lock _watch = new();
    private readonly Timer _watchdog;
    private CancellationTokenSource _exportCts = new();
    private bool _exportRunning;
    private int _watchStage;
    private long _exportStartedAt;
    private int _exportCount;
    private int _workerGeneration;

    /// <summary>Creates the processor with the default options (the <c>OTEL_BSP_*</c> variables are not read; see <see cref="BatchExportProcessorExtensions"/>).</summary>
    /// <param name="exporter">The exporter to call.</param>
    public BatchExportProcessor(SpanExporter exporter)
        : this(exporter, new BatchExportProcessorOptions())
    {
    }

    /// <summary>Creates the processor and starts its exporter thread.</summary>
    /// <param name="exporter">The exporter to call.</param>
    /// <param name="options">The options; every value must be positive.</param>
    public BatchExportProcessor(SpanExporter exporter, BatchExportProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxQueueSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ScheduledDelayMilliseconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxExportBatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ExportTimeoutMilliseconds);

        _exporter = exporter;
        _exporterName = exporter.GetType().Name;
        _maxQueueSize = options.MaxQueueSize;
        _maxBatch = Math.Min(options.MaxExportBatchSize, options.MaxQueueSize);
        _scheduledDelayMs = options.ScheduledDelayMilliseconds;
        _exportTimeoutMs = options.ExportTimeoutMilliseconds;
        _abandonGraceMs = Math.Min(_exportTimeoutMs, 1000);

        // A ring as large as the whole budget can never fill while its owner holds a credit.
        _ringCapacity = (int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)_maxQueueSize));
        _creditChunk = Math.Clamp(_maxQueueSize / (16 * Environment.ProcessorCount), 1, 32);
        _shared.Budget = _maxQueueSize;

        _watchdog = new Timer(static s => ((BatchExportProcessor)s!).OnWatchdog(), this, Timeout.Infinite, Timeout.Infinite);
        SdkMeter.Register(this);
        StartWorker(0);
    }

    /// <summary>Spans the exporter reported as delivered.</summary>
    public long Exported => Volatile.Read(ref _exported);

    /// <summary>Sampled spans that will never be exported: queue full, export failed or timed out, or ended after shutdown.</summary>
    public long Dropped => GetStats().Dropped;

    /// <summary>The options in effect (the batch size capped at the queue size).</summary>
    internal BatchExportProcessorOptions EffectiveOptions => new()
    {
        MaxQueueSize = _maxQueueSize,
        MaxExportBatchSize = _maxBatch,
        ScheduledDelay = TimeSpan.FromMilliseconds(_scheduledDelayMs),
        ExportTimeout = TimeSpan.FromMilliseconds(_exportTimeoutMs),
    };

    /// <summary>Rings currently registered (one per producing thread that is alive or not yet drained).</summary>
    internal int RingCount => _rings.Length;

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
        Enqueue(span);
    }

    /// <inheritdoc/>
    internal override void OnEndOwned(SpanData span)
    {
        if (!span.Context.IsSampled)
        {
            span.Release();
            return;
        }

        Enqueue(span);
    }

    /// <summary>Takes over one reference to <paramref name="span"/>: queues it, or releases it and counts the drop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Enqueue(SpanData span)
    {
        var ring = t_lastRing;
        if (ring is null || !ReferenceEquals(ring.Processor, this))
        {
            ring = RingForCurrentThread();
        }

        // Shutdown handshake (a Dekker pair made cheap for this side): mark in-flight, then read the stop flag.
        // Shutdown sets the flag, runs a process-wide memory barrier, then waits for every ring's in-flight flag to
        // clear. The barrier orders our store before our load as seen by the shutdown thread, so either we see the
        // flag and drop, or shutdown sees us in flight and waits until our span is in the ring.
        ring.EnterInFlight();
        if (Volatile.Read(ref _shared.Stopping) != 0)
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

        ring.CountDroppedQueueFull();
        ring.ExitInFlight();
        span.Release();
    }

    /// <summary>Producer: moves up to one chunk of credits from the shared budget to <paramref name="ring"/>.</summary>
    /// <returns>False when the budget is empty: the queue is full.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TakeCredit(SpanRing ring)
    {
        long budget = Volatile.Read(ref _shared.Budget);
        while (true)
        {
            if (budget <= 0)
            {
                return false;
            }

            int take = (int)Math.Min(_creditChunk, budget);
            long seen = Interlocked.CompareExchange(ref _shared.Budget, budget - take, budget);
            if (seen == budget)
            {
                ring.AddCredit(take);

                // Wake the exporter thread when about a batch is waiting. The CAS is a full fence, so this read of
                // _sleeping cannot move before it; the exporter sets _sleeping, fences, then counts the published spans.
                // The count can miss spans whose credit is taken but which are not yet published, so a wake-up can be
                // late — never lost for good: the next chunk taken by any producer signals, and the scheduled delay
                // bounds the wait when producers stop. Exactly one producer wins the exchange and signals, so a
                // sleeping exporter costs one Set (one futex wake) however many producers pass here before it runs —
                // not one per chunk, never one per span. The budget overestimates the queue by the unspent credits,
                // so this may also wake the thread early; it then finds less than a batch and sleeps again.
                if (_maxQueueSize - (budget - take) >= _maxBatch && Volatile.Read(ref _sleeping) != 0
                    && Interlocked.Exchange(ref _sleeping, 0) != 0)
                {
                    _wake.Set();
                }

                return true;
            }

            budget = seen;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SpanRing RingForCurrentThread()
    {
        var rings = t_rings;
        if (rings is not null)
        {
            foreach (var r in rings)
            {
                if (ReferenceEquals(r.Processor, this))
                {
                    t_lastRing = r;
                    return r;
                }
            }
        }

        var ring = new SpanRing(this, Thread.CurrentThread, _ringCapacity);
        lock (_ringsLock)
        {
            _rings = [.. _rings, ring];
        }

        // Forget rings of processors that have shut down, so a long-lived thread does not keep them alive.
        int live = 0;
        var kept = new SpanRing[(rings?.Length ?? 0) + 1];
        if (rings is not null)
        {
            foreach (var r in rings)
            {
                if (!r.Processor._stopRequested)
                {
                    kept[live++] = r;
                }
            }
        }

        kept[live++] = ring;
        t_rings = live == kept.Length ? kept : kept[..live];
        t_lastRing = ring;
        return ring;
    }

    /// <inheritdoc/>
    public override bool ForceFlush(int timeoutMilliseconds)
    {
        var sw = Stopwatch.StartNew();
        if (_stopped.IsSet)
        {
            return true;
        }

        long ticket = Interlocked.Increment(ref _flushRequested);
        _wake.Set();
        lock (_flushLock)
        {
            while (Volatile.Read(ref _flushDone) < ticket)
            {
                int left = Remaining(timeoutMilliseconds, sw);
                if (left == 0 || _stopped.IsSet)
                {
                    break;
                }

                Monitor.Wait(_flushLock, left);
            }
        }

        bool done = Volatile.Read(ref _flushDone) >= ticket || _stopped.IsSet;
        return done && _exporter.ForceFlush(Remaining(timeoutMilliseconds, sw));
    }

    /// <inheritdoc/>
    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        var sw = Stopwatch.StartNew();
        _exporter.NotifyShutdownBegins(timeoutMilliseconds);

        // Producers that read Stopping == 1 from here on drop their span (counted as shutdown); the barrier makes every
        // producer that read 0 visible as in flight (see Enqueue), and we wait for those to finish their enqueue.
        Volatile.Write(ref _shared.Stopping, 1);
        Interlocked.MemoryBarrierProcessWide();
        SpanRing[] rings;
        lock (_ringsLock)
        {
            rings = _rings;
        }

        var spin = new SpinWait();
        foreach (var ring in rings)
        {
            while (ring.InFlight && Remaining(timeoutMilliseconds, sw) > 0)
            {
                spin.SpinOnce();
            }
        }

        // Every span that will ever reach a ring is in one now; the exporter thread exports them all, then stops.
        _stopRequested = true;
        _wake.Set();
        bool drained = _stopped.Wait(Remaining(timeoutMilliseconds, sw));
        bool exporterDone = false;
        try
        {
            exporterDone = _exporter.Shutdown(Remaining(timeoutMilliseconds, sw));
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ProcessorFailed(nameof(BatchExportProcessor), nameof(SpanExporter.Shutdown), ex.Message);
        }

        if (drained)
        {
            _watchdog.Dispose();
            SdkMeter.Retire(this);
        }

        return drained && exporterDone;
    }

    /// <summary>Exact counts; totals of rings of dead threads are included.</summary>
    internal BatchExportStats GetStats()
    {
        long enqueued, full, shutdown, depth = 0;
        SpanRing[] rings;
        lock (_ringsLock)
        {
            rings = _rings;
            enqueued = _retiredEnqueued;
            full = _retiredDroppedQueueFull;
            shutdown = _retiredDroppedShutdown;
        }

        foreach (var r in rings)
        {
            enqueued += r.Enqueued;
            full += r.DroppedQueueFull;
            shutdown += r.DroppedShutdown;
        }

        shutdown += Volatile.Read(ref _droppedExportShutdown);

        // Budget, credits and in-transit counts move independently, so derive the depth from what the exporter has
        // taken: everything enqueued minus everything it has finished with or holds. Clamped: the reads are not atomic.
        long handled = Volatile.Read(ref _taken);
        depth = Math.Max(0, enqueued - handled);

        return new BatchExportStats(
            enqueued,
            full,
            shutdown,
            Volatile.Read(ref _droppedExportFailure),
            Volatile.Read(ref _exported),
            Volatile.Read(ref _exportAttempts),
            Volatile.Read(ref _exportFailures),
            Volatile.Read(ref _exportsAbandoned),
            depth);
    }

    // Spans taken out of rings by the exporter thread (written by it only).
    private long _taken;

    // ---------------------------------------------------------------- exporter thread

    private void StartWorker(int generation)
    {
        var thread = new Thread(static s => ((BatchExportProcessor)((object[])s!)[0]).Run((int)((object[])s!)[1]))
        {
            IsBackground = true,
            Name = "Tracing.Sdk batch export",
        };
        thread.Start(new object[] { this, generation });
    }

    private void Run(int generation)
    {
        var batch = new SpanData[_maxBatch];
        long nextExport = Stopwatch.GetTimestamp() + MsToTicks(_scheduledDelayMs);
        int start = 0;
        try
        {
            while (Volatile.Read(ref _workerGeneration) == generation)
            {
                // Read the requests before draining: what they ask for was queued before they were made.
                bool stop = _stopRequested;
                long ticket = Volatile.Read(ref _flushRequested);
                bool due = Stopwatch.GetTimestamp() >= nextExport;

                if (stop || due || ticket > _flushDone)
                {
                    if (!ExportAll(batch, ref start))
                    {
                        return;
                    }

                    ReleaseDeadRings();
                    nextExport = Stopwatch.GetTimestamp() + MsToTicks(_scheduledDelayMs);
                    if (ticket > _flushDone)
                    {
                        lock (_flushLock)
                        {
                            Volatile.Write(ref _flushDone, ticket);
                            Monitor.PulseAll(_flushLock);
                        }
                    }

                    if (stop)
                    {
                        return;
                    }

                    continue;
                }

                if (QueuedCount() >= _maxBatch)
                {
                    // Full batches only; a remainder waits for the timer or the next full batch.
                    while (QueuedCount() >= _maxBatch)
                    {
                        if (!ExportOne(batch, ref start))
                        {
                            return;
                        }
                    }

                    continue;
                }

                _wake.Reset();
                Volatile.Write(ref _sleeping, 1);

                // Full fence, paired with the producers' CAS on the budget: either they see _sleeping and Set, or we see
                // their spans here and do not sleep.
                Interlocked.MemoryBarrier();
                if (QueuedCount() < _maxBatch && !_stopRequested && Volatile.Read(ref _flushRequested) == _flushDone)
                {
                    long wait = (nextExport - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                    if (wait > 0)
                    {
                        _wake.Wait((int)Math.Min(wait + 1, int.MaxValue));
                    }
                }

                Volatile.Write(ref _sleeping, 0);
            }
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ProcessorFailed(nameof(BatchExportProcessor), "exporter thread", ex.Message);
        }
        finally
        {
            if (Volatile.Read(ref _workerGeneration) == generation)
            {
                _stopped.Set();
                lock (_flushLock)
                {
                    Monitor.PulseAll(_flushLock);
                }
            }
        }
    }

    private long QueuedCount()
    {
        long n = 0;
        foreach (var r in _rings)
        {
            n += r.Count;
        }

        return n;
    }

    /// <summary>Exports everything queued. False if this thread was abandoned meanwhile (then it must touch nothing).</summary>
    private bool ExportAll(SpanData[] batch, ref int start)
    {
        // Bounded by what is queued now, so a flush completes even while producers keep adding spans.
        long target = _taken + QueuedCount();
        while (_taken < target)
        {
            long before = _taken;
            if (!ExportOne(batch, ref start))
            {
                return false;
            }

            if (_taken == before)
            {
                break;
            }
        }

        return true;
    }

    /// <summary>Fills one batch, round-robin over the rings from <paramref name="start"/>, and exports it.</summary>
    private bool ExportOne(SpanData[] batch, ref int start)
    {
        var rings = _rings;
        int n = 0;
        for (int i = 0; i < rings.Length && n < batch.Length; i++)
        {
            n += rings[(start + i) % rings.Length].Drain(batch, n);
        }

        start = rings.Length == 0 ? 0 : (start + 1) % rings.Length;
        if (n == 0)
        {
            return true;
        }

        // The spans are out of the rings: give their credits back (one interlocked operation per batch).
        Volatile.Write(ref _taken, _taken + n);
        Interlocked.Add(ref _shared.Budget, n);
        return Export(batch, n);
    }

    /// <summary>
    /// Calls the exporter under the watchdog, counts the outcome and releases the records. False if the export was
    /// abandoned: the records then stay with the exporter (left to the GC) and this thread must exit.
    /// </summary>
    private bool Export(SpanData[] batch, int n)
    {
        CancellationTokenSource cts;
        lock (_watch)
        {
            if (!_exportCts.TryReset())
            {
                _exportCts.Dispose();
                _exportCts = new CancellationTokenSource();
            }

            cts = _exportCts;
            _exportRunning = true;
            _watchStage = 0;
            _exportCount = n;
            _exportStartedAt = Stopwatch.GetTimestamp();
            _watchdog.Change(_exportTimeoutMs, Timeout.Infinite);
        }

        Volatile.Write(ref _exportAttempts, _exportAttempts + 1);
        var result = ExportResult.Failure;
        try
        {
            result = _exporter.Export(new SpanBatch(batch, n), cts.Token);
            if (result != ExportResult.Success)
            {
                SdkEventSource.Log.ExportFailed(_exporterName, n, "exporter returned Failure");
            }
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ExportFailed(_exporterName, n, ex.Message);
        }

        lock (_watch)
        {
            if (!_exportRunning)
            {
                // The watchdog gave up on this export, counted it and started a new exporter thread. The records may still
                // be in the exporter's hands: they are not released, so the pool never hands them out again.
                return false;
            }

            _exportRunning = false;
            _watchdog.Change(Timeout.Infinite, Timeout.Infinite);
        }

        if (result == ExportResult.Success)
        {
            Volatile.Write(ref _exported, _exported + n);
        }
        else
        {
            // A batch the exporter could not deliver once shutdown had begun was lost to the shutdown's bound.
            Volatile.Write(ref _exportFailures, _exportFailures + 1);
            if (_stopRequested)
            {
                Volatile.Write(ref _droppedExportShutdown, _droppedExportShutdown + n);
            }
            else
            {
                Volatile.Write(ref _droppedExportFailure, _droppedExportFailure + n);
            }
        }

        ReleaseAll(batch, n);
        return true;
    }

    /// <summary>
    /// Releases the batch's records. Records whose last owner we were go back to their pools in chains — consecutive
    /// records of one pool (one producing thread) linked and returned with a single CAS.
    /// </summary>
    private static void ReleaseAll(SpanData[] batch, int n)
    {
        SpanData? first = null, last = null;
        for (int i = 0; i < n; i++)
        {
            var record = batch[i];
            batch[i] = null!;
            if (!record.ReleaseReference() || record.Home is null)
            {
                continue;
            }

            if (first is not null && !ReferenceEquals(first.Home, record.Home))
            {
                first.Home!.Return(first, last!);
                first = last = null;
            }

            // Only this thread links these records: no other thread can reach a record whose references are all gone.
            // Pushed at the front; `last` stays the chain's tail, which Return links to the pool's stack.
            record._nextFree = first;
            first = record;
            last ??= record;
        }

        if (first is not null)
        {
            first.Home!.Return(first, last!);
        }
    }

    private void OnWatchdog()
    {
        CancellationTokenSource? cancel = null;
        lock (_watch)
        {
            if (!_exportRunning)
            {
                return;
            }

            long elapsedMs = (Stopwatch.GetTimestamp() - _exportStartedAt) * 1000 / Stopwatch.Frequency;
            if (_watchStage == 0)
            {
                if (elapsedMs < _exportTimeoutMs)
                {
                    // A late tick from an earlier export's timer.
                    _watchdog.Change(_exportTimeoutMs - elapsedMs, Timeout.Infinite);
                    return;
                }

                _watchStage = 1;
                cancel = _exportCts;
                SdkEventSource.Log.ExportTimedOut(_exporterName, _exportCount, _exportTimeoutMs);
                _watchdog.Change(_abandonGraceMs, Timeout.Infinite);
            }
            else if (elapsedMs >= _exportTimeoutMs + _abandonGraceMs)
            {
                // Abandon: the hung thread finds _exportRunning false when (if) Export returns, and exits. The counts are
                // the hung thread's to write only while it runs; it never writes them again, so we write them here.
                _exportRunning = false;
                Volatile.Write(ref _exportFailures, _exportFailures + 1);
                Volatile.Write(ref _exportsAbandoned, _exportsAbandoned + 1);
                Volatile.Write(ref _droppedExportFailure, _droppedExportFailure + _exportCount);
                SdkEventSource.Log.ExportAbandoned(_exporterName, _exportCount);
                int generation = Interlocked.Increment(ref _workerGeneration);
                StartWorker(generation);
            }
            else
            {
                _watchdog.Change(_exportTimeoutMs + _abandonGraceMs - elapsedMs, Timeout.Infinite);
            }
        }

        if (cancel is not null)
        {
            try
            {
                cancel.Cancel();
            }
            catch (Exception ex)
            {
                SdkEventSource.Log.ExportFailed(_exporterName, 0, ex.Message);
            }
        }
    }

    /// <summary>Unregisters rings whose thread has died, once drained; returns their unspent credits to the budget.</summary>
    private void ReleaseDeadRings()
    {
        var rings = _rings;
        bool any = false;
        foreach (var r in rings)
        {
            any |= !r.Owner.IsAlive && r.Count == 0;
        }

        if (!any)
        {
            return;
        }

        lock (_ringsLock)
        {
            var kept = new System.Collections.Generic.List<SpanRing>(_rings.Length);
            foreach (var r in _rings)
            {
                // A dead owner writes nothing more; its final writes are visible once IsAlive reads false.
                if (!r.Owner.IsAlive && r.Count == 0)
                {
                    _retiredEnqueued += r.Enqueued;
                    _retiredDroppedQueueFull += r.DroppedQueueFull;
                    _retiredDroppedShutdown += r.DroppedShutdown;
                    Interlocked.Add(ref _shared.Budget, r.Credit);
                }
                else
                {
                    kept.Add(r);
                }
            }

            _rings = [.. kept];
        }
    }

    private static long MsToTicks(int ms) => ms * Stopwatch.Frequency / 1000;

    private static int Remaining(int timeoutMilliseconds, Stopwatch sw)
    {
        if (timeoutMilliseconds == Timeout.Infinite)
        {
            return Timeout.Infinite;
        }

        return (int)Math.Max(0, timeoutMilliseconds - sw.ElapsedMilliseconds);
    }

    /// <summary>Fields every producer touches, each alone on its cache line so they do not share one with anything else.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * SpanRing.Padding)]
    private struct Shared
    {
        // Taken from by producers once per credit chunk, given back to by the exporter thread once per batch.
        [FieldOffset(SpanRing.Padding)]
        public long Budget;

        // Read by producers on every span; written once, at shutdown.
        [FieldOffset(2 * SpanRing.Padding)]
        public int Stopping;
    }
}

using System;
using System.Diagnostics;
using System.Threading;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Processing;

/// <summary>
/// Calls the batch processor's exporter under a watchdog, counts each outcome, and returns the batch's records to their
/// pools. An exporter that throws or returns failure loses its batch (counted as failed). An export that runs past the
/// timeout has its cancellation token cancelled; if it still has not returned after a grace period (the smaller of the
/// timeout and one second), it is abandoned: its batch is counted as failed, its records are left to the garbage
/// collector (the exporter may still be reading them), and <c>onAbandoned</c> starts a new exporter thread. An export
/// that returns <see cref="ExportResult.Pending"/> (the exporter still delivers a copy of the batch) counts as pending
/// until the exporter reports its outcome through <see cref="SpanExporter.CompletePending"/>, from any thread.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item><c>_watch</c> guards the export in progress (<c>_running</c>, its stage, start time, size and token). Exactly
/// one of the exporting thread (on return) and the watchdog (on abandonment) finds <c>_running</c> true and clears it;
/// that one counts the export's outcome, so every batch is counted once.</item>
/// <item>The span counters are written with interlocked operations: by the exporting thread while it owns the export, by
/// the watchdog once it has abandoned it (the abandoned thread then writes nothing more), and by whichever thread
/// reports a pending batch's outcome. A pending batch moves from <c>_pending</c> to exported or dropped once, so
/// exported + dropped + pending always accounts for every batch handed to the exporter — except an abandoned export
/// that still returned <see cref="ExportResult.Pending"/>: the watchdog counted it as failed, it stays in
/// <c>_pending</c> (and <c>_orphaned</c>) until a report of as many spans arrives, and that report counts nothing, so
/// exported + dropped is exact once every report is in.</item>
/// <item>Records are released only by the thread that finished its export in time; an abandoned batch's records never
/// return to a pool, so a record the exporter still reads is never handed out again.</item>
/// </list>
/// </remarks>
internal sealed class WatchedExporter : IDisposable
{
    private readonly SpanExporter _exporter;
    private readonly string _exporterName;
    private readonly int _timeoutMs;
    private readonly int _graceMs;
    private readonly Action _onAbandoned;

    private readonly Lock _watch = new();
    private readonly Timer _timer;
    private CancellationTokenSource _cts = new();
    private bool _running;
    private int _stage;
    private long _startedAt;
    private int _count;

    private long _exported;
    private long _pending;
    private long _orphaned;
    private long _droppedExportFailure;
    private long _droppedExportShutdown;
    private volatile bool _shutdownBegun;
    private long _attempts;
    private long _failures;
    private long _abandoned;

    public WatchedExporter(SpanExporter exporter, int timeoutMilliseconds, Action onAbandoned)
    {
        _exporter = exporter;
        _exporterName = exporter.GetType().Name;
        _timeoutMs = timeoutMilliseconds;
        _graceMs = Math.Min(timeoutMilliseconds, 1000);
        _onAbandoned = onAbandoned;
        _timer = new Timer(static s => ((WatchedExporter)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        exporter.PendingCompleted = OnPendingCompleted;
    }

    /// <summary>Spans in batches the exporter reported as delivered.</summary>
    public long Exported => Volatile.Read(ref _exported);

    /// <summary>Spans in batches the exporter still delivers after its <c>Export</c> returned (<see cref="ExportResult.Pending"/>).</summary>
    public long Pending => Volatile.Read(ref _pending);

    /// <summary>Spans of abandoned exports that the exporter still reports on later; those reports count nothing.</summary>
    internal long Orphaned => Volatile.Read(ref _orphaned);

    /// <summary>Spans in batches whose export failed, threw or was abandoned.</summary>
    public long DroppedExportFailure => Volatile.Read(ref _droppedExportFailure);

    /// <summary>Spans in batches the exporter could not deliver once shutdown had begun (lost to the shutdown's bound).</summary>
    public long DroppedExportShutdown => Volatile.Read(ref _droppedExportShutdown);

    /// <summary>From now on a failed batch is counted as dropped by the shutdown, not by an export failure.</summary>
    public void MarkShutdownBegun() => _shutdownBegun = true;

    /// <summary>Calls to the exporter.</summary>
    public long Attempts => Volatile.Read(ref _attempts);

    /// <summary>Calls that failed, threw or were abandoned.</summary>
    public long Failures => Volatile.Read(ref _failures);

    /// <summary>Calls that did not return after the timeout and its grace period.</summary>
    public long Abandoned => Volatile.Read(ref _abandoned);

    /// <summary>
    /// Exports the first <paramref name="n"/> records of <paramref name="batch"/>, counts the outcome and releases the
    /// records. False if the export was abandoned: the records then stay with the exporter and the caller must exit.
    /// </summary>
    public bool Export(SpanData[] batch, int n)
    {
        CancellationTokenSource cts;
        lock (_watch)
        {
            if (!_cts.TryReset())
            {
                _cts.Dispose();
                _cts = new CancellationTokenSource();
            }

            cts = _cts;
            _running = true;
            _stage = 0;
            _count = n;
            _startedAt = Stopwatch.GetTimestamp();
            _timer.Change(_timeoutMs, Timeout.Infinite);
        }

        Volatile.Write(ref _attempts, _attempts + 1);
        var result = ExportResult.Failure;
        try
        {
            result = _exporter.Export(new SpanBatch(batch, n), cts.Token);
            if (result == ExportResult.Failure)
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
            if (!_running)
            {
                // The watchdog gave up on this export and counted it; the records may still be in the exporter's hands.
                // If the exporter took the batch over anyway, its late outcome must not count it a second time.
                // It is pending like any other batch until its report, which then counts nothing (see OnPendingCompleted).
                if (result == ExportResult.Pending)
                {
                    Interlocked.Add(ref _pending, n);
                    Interlocked.Add(ref _orphaned, n);
                }

                return false;
            }

            _running = false;
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
        }

        if (result == ExportResult.Pending)
        {
            // The exporter keeps a copy and reports the outcome later (possibly already has: the counter may dip below
            // zero for a moment, never the sum).
            Interlocked.Add(ref _pending, n);
        }
        else
        {
            Count(n, result);
        }

        ReleaseAll(batch, n);
        return true;
    }

    /// <summary>The exporter reports the outcome of a batch it returned <see cref="ExportResult.Pending"/> for.</summary>
    private void OnPendingCompleted(int spans, ExportResult result)
    {
        if (spans <= 0)
        {
            return;
        }

        if (result != ExportResult.Success)
        {
            SdkEventSource.Log.ExportFailed(_exporterName, spans, "exporter reported the pending batch as failed");
        }

        // An abandoned export's batch was counted as failed by the watchdog. Reports carry no batch identity, so the
        // next reports covering that many spans are not counted: whichever report is skipped, every span is counted
        // once, and the pending count nets out once the orphan's own report arrives.
        long orphaned = Volatile.Read(ref _orphaned);
        while (orphaned >= spans)
        {
            long seen = Interlocked.CompareExchange(ref _orphaned, orphaned - spans, orphaned);
            if (seen == orphaned)
            {
                Interlocked.Add(ref _pending, -spans);
                return;
            }

            orphaned = seen;
        }

        Interlocked.Add(ref _pending, -spans);
        Count(spans, result == ExportResult.Success ? ExportResult.Success : ExportResult.Failure);
    }

    private void Count(int n, ExportResult result)
    {
        if (result == ExportResult.Success)
        {
            Interlocked.Add(ref _exported, n);
            return;
        }

        Interlocked.Increment(ref _failures);
        Interlocked.Add(ref _shutdownBegun ? ref _droppedExportShutdown : ref _droppedExportFailure, n);
    }

    /// <summary>Stops the watchdog's timer (once the exporter thread has stopped).</summary>
    public void Dispose() => _timer.Dispose();

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

    private void OnTimer()
    {
        CancellationTokenSource? cancel = null;
        lock (_watch)
        {
            if (!_running)
            {
                return;
            }

            long elapsedMs = (Stopwatch.GetTimestamp() - _startedAt) * 1000 / Stopwatch.Frequency;
            if (_stage == 0)
            {
                if (elapsedMs < _timeoutMs)
                {
                    // A late tick from an earlier export's timer.
                    _timer.Change(_timeoutMs - elapsedMs, Timeout.Infinite);
                    return;
                }

                _stage = 1;
                cancel = _cts;
                SdkEventSource.Log.ExportTimedOut(_exporterName, _count, _timeoutMs);
                _timer.Change(_graceMs, Timeout.Infinite);
            }
            else if (elapsedMs >= _timeoutMs + _graceMs)
            {
                // Abandon: the hung thread finds _running false when (if) Export returns, and exits without counting.
                _running = false;
                Interlocked.Increment(ref _failures);
                Volatile.Write(ref _abandoned, _abandoned + 1);
                Interlocked.Add(ref _droppedExportFailure, _count);
                SdkEventSource.Log.ExportAbandoned(_exporterName, _count);

                // Under the lock, so the next exporter thread is in charge before the hung one can return and exit.
                _onAbandoned();
            }
            else
            {
                _timer.Change(_timeoutMs + _graceMs - elapsedMs, Timeout.Infinite);
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
}

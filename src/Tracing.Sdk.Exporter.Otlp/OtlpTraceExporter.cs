using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp.Diagnostics;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporter.Otlp.Spool;
using Tracing.Sdk.Exporter.Otlp.Transport;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Exporting.Retry;

// Why one file of ~950 lines: the exporter's send lock orders the paths that share state — the export (in place, or
// handed to a send slot), the write-ahead spool with its background drain, and the bounded shutdown that cancels the
// running attempts and hands what is left to the spool. Each path reads the others' flags (receiver known down, spool
// pending, released); the drain is the next candidate for a type of its own once that state has an owner.

namespace Tracing.Sdk.Exporter.Otlp;

/// <summary>
/// Exports spans over OTLP (gRPC, HTTP/protobuf or HTTP/JSON). Each batch is written straight from the span records
/// into a reused pooled buffer and sent. Without a spool, retryable failures (gRPC UNAVAILABLE and friends, HTTP 429,
/// 502, 503, 504) are retried in place with exponential back-off and jitter, honouring the receiver's
/// <c>RetryInfo</c> / <c>Retry-After</c>, all within <see cref="OtlpExporterOptions.Timeout"/>.
/// With a spool (<see cref="OtlpExporterOptions.SpoolDirectory"/>) the spool is a write-ahead log: a batch whose first
/// attempt fails is written to disk (flushed and renamed into place) before any back-off, and every retry is made from
/// the spool by a background drain (at start-up, then on its own back-off schedule, oldest first, a bounded number of
/// files per round); a file is deleted only once the receiver has accepted it. Nothing is lost silently: every span
/// ends up in <see cref="ExportedSpans"/>, <see cref="DroppedSpans"/> or (with a spool) <see cref="SpooledSpans"/>,
/// and every retry, drop and recovery is logged to the <c>Tracing-Sdk-Exporter-Otlp</c> EventSource.
/// <para>
/// Up to <see cref="OtlpExporterOptions.MaxConcurrentExports"/> requests are in flight at once when the caller counts
/// late outcomes (<see cref="SpanExporter.CanCompleteLater"/>: the batch processor does): <see cref="Export"/>
/// encodes the batch into a free send slot's buffer, hands it to that slot's thread and returns
/// <see cref="ExportResult.Pending"/>; the slot reports the outcome through <see cref="SpanExporter.CompletePending"/>
/// (so the batch processor counts the batch as exported or dropped only once it is known). <c>Export</c> waits only when
/// every slot is in flight. Called directly (or by the simple processor), an export sends in place and returns its
/// final result, as with one slot. While the receiver is known down or the spool holds a backlog, batches are sent one at a
/// time on the exporting thread, as with one slot. <see cref="ForceFlush"/> waits for every request in flight;
/// <see cref="Shutdown"/> lets them finish within shutdown's delivery time, then cancels them (spooled, or dropped with
/// reason <c>shutdown</c>).
/// </para>
/// </summary>
public sealed class OtlpTraceExporter : SpanExporter
{
    // Files one background round sends at most, so a large backlog never holds the send lock for long.
    private const int FilesPerDrainRound = 32;

    private readonly OtlpExporterOptions _options;
    private readonly OtlpTransport _transport;
    private readonly ExportRetryPolicy _retry;
    private readonly OtlpProtobufSerializer? _protobuf;
    private readonly OtlpJsonSerializer? _json;
    private readonly OtlpRequest _spoolRequest = new();

    // Every slot owns one request buffer (reused). Slot i > 0, and slot 0 when there are several, sends on its own
    // thread; with one slot, batches are sent on the exporting thread. Guarded by _slotLock: the idle stack, _inFlight.
    private readonly SendSlot[] _slots;
    private readonly SendSlot[] _idleSlots;
    private readonly object _slotLock = new();
    private int _idleCount;
    private int _inFlight;

    // Guards what the sends report about the receiver's health (_failedAttempts, _receiverDown, _drainBackoff): the
    // send slots report from their own threads, outside _sendLock.
    private readonly Lock _health = new();
    private readonly ExportSpool? _spool;
    private readonly Lock _sendLock = new();
    private readonly string _endpointText;

    // Cancelled when shutdown's delivery time is up: a running attempt or back-off ends, later batches go straight
    // to the spool (or are dropped with reason shutdown).
    private readonly CancellationTokenSource _shutdownCts = new();
    private readonly Timer? _drainTimer;
    private bool _spoolMayHavePending;

    // The receiver refused the last attempt: new batches queue behind the spool's backlog.
    private volatile bool _receiverDown;
    private TimeSpan _drainBackoff;
    private int _failedAttempts;
    private volatile bool _stopping;
    private volatile bool _shutdown;
    private int _shutdownCancelArmed;
    private volatile bool _released;
    private volatile bool _releaseWhenIdle;
    private long _exported;
    private long _dropped;
    private long _rejected;
    private long _retries;
    private long _spooled;

    /// <summary>Creates the exporter.</summary>
    /// <param name="options">The settings; see <see cref="OtlpExporterOptions.FromSettings"/> for the environment variables.</param>
    public OtlpTraceExporter(OtlpExporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Endpoint = options.ResolveEndpoint();
        _endpointText = OtlpExporterOptions.Redact(Endpoint);
        _drainBackoff = options.InitialBackoff;
        _retry = new ExportRetryPolicy(options.RetryEnabled, options.MaxRetryAttempts, options.InitialBackoff, options.MaxBackoff);
        int slots = options.SendSlots;
        _slots = new SendSlot[slots];
        _idleSlots = new SendSlot[slots];
        for (int i = 0; i < slots; i++)
        {
            _slots[i] = _idleSlots[i] = new SendSlot(this);
        }

        _idleCount = slots;
        _transport = options.Protocol switch
        {
            OtlpExportProtocol.Grpc => new OtlpGrpcTransport(options, Endpoint),
            OtlpExportProtocol.HttpJson => new OtlpHttpTransport(options, Endpoint, json: true),
            _ => new OtlpHttpTransport(options, Endpoint, json: false),
        };
        if (options.Protocol == OtlpExportProtocol.HttpJson)
        {
            _json = new OtlpJsonSerializer();
        }
        else
        {
            _protobuf = new OtlpProtobufSerializer();
        }

        if (options.SpoolDirectory is { } directory)
        {
            try
            {
                _spool = new ExportSpool(directory, options.SpoolMaxBytes, options.Protocol == OtlpExportProtocol.HttpJson ? (byte)1 : (byte)0);
                _spoolMayHavePending = _spool.PendingFiles().Count > 0;
            }
            catch (Exception ex)
            {
                OtlpExporterEventSource.Log.SpoolUnavailable(directory, ex.Message);
            }
        }

        if (_spool is not null)
        {
            // What an earlier process left is sent at start-up, without waiting for new spans.
            _drainTimer = new Timer(static s => ((OtlpTraceExporter)s!).DrainRound(), this, Timeout.Infinite, Timeout.Infinite);
            if (_spoolMayHavePending)
            {
                _drainTimer.Change(0, Timeout.Infinite);
            }
        }
    }

    /// <summary>Where requests go.</summary>
    public Uri Endpoint { get; }

    /// <summary>The transport and encoding.</summary>
    public OtlpExportProtocol Protocol => _options.Protocol;

    /// <summary>Spans the receiver accepted (partial-success rejections excluded), spooled batches included once resent.</summary>
    public long ExportedSpans => Interlocked.Read(ref _exported);

    /// <summary>Spans given up on: non-retryable failures, retries exhausted without a spool, rejected by the receiver, dropped at shutdown, or dropped from the spool.</summary>
    public long DroppedSpans => Interlocked.Read(ref _dropped) + (_spool?.DroppedSpans ?? 0);

    /// <summary>Spans the receiver rejected in a partial-success response (also counted in <see cref="DroppedSpans"/>).</summary>
    public long RejectedSpans => Interlocked.Read(ref _rejected);

    /// <summary>Attempts made after a retryable failure (in place, or from the spool).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Spans written to the spool because a first attempt failed, the receiver was known to be down, or shutdown's time was up (counted again in <see cref="ExportedSpans"/> once resent).</summary>
    public long SpooledSpans => Interlocked.Read(ref _spooled);

    /// <summary>Spool files found damaged, skipped and deleted.</summary>
    public long CorruptSpoolFiles => _spool?.CorruptFiles ?? 0;

    /// <inheritdoc/>
    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        int count = batch.Count;
        if (count == 0)
        {
            return ExportResult.Success;
        }

        if (_shutdown)
        {
            Drop(count, "shutdown: the exporter is shut down");
            return ExportResult.Failure;
        }

        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * _options.TimeoutMilliseconds / 1000;

        // Waits only when every slot has a request in flight.
        var slot = AcquireSlot(deadline, cancellationToken);
        if (slot is null)
        {
            Drop(count, _stopping ? "shutdown: no send slot came free" : "no send slot came free within the export timeout");
            return ExportResult.Failure;
        }

        bool handedOver = false;
        try
        {
            lock (_sendLock)
            {
                try
                {
                    if (_released)
                    {
                        Drop(count, "shutdown: the exporter is shut down");
                        return ExportResult.Failure;
                    }

                    var request = slot.Request;
                    try
                    {
                        if (_json is not null)
                        {
                            _json.Serialize(batch, request.Buffer);
                        }
                        else
                        {
                            _protobuf!.Serialize(batch, request.Buffer, _transport.MessageHeadroom);
                        }
                    }
                    catch (Exception ex)
                    {
                        Drop(count, "serialization failed: " + ex.Message);
                        return ExportResult.Failure;
                    }

                    // Concurrent sends while the receiver answers; one at a time, here, while it is down, the spool has
                    // a backlog (it goes first, in order) or shutdown's time is up.
                    // Only for a caller that counts late outcomes (the batch processor): any other expects a final result.
                    if (_slots.Length > 1
                        && CanCompleteLater
                        && !cancellationToken.IsCancellationRequested
                        && (_spool is null || (!_receiverDown && !_spoolMayHavePending && !_shutdownCts.IsCancellationRequested)))
                    {
                        request.Spans = count;
                        request.Deadline = deadline;
                        Dispatch(slot);
                        handedOver = true;
                        return ExportResult.Pending;
                    }

                    // The processor's token is rarely cancellable: then the shutdown token alone, without a linked source.
                    using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdownCts.Token) : null;
                    var token = linked?.Token ?? _shutdownCts.Token;
                    return _spool is null
                        ? ExportInPlace(request, count, deadline, token)
                        : ExportWriteAhead(_spool, request, count, deadline, token);
                }
                finally
                {
                    if (_releaseWhenIdle)
                    {
                        ReleaseIfIdle();
                    }
                }
            }
        }
        finally
        {
            if (!handedOver)
            {
                ReturnSlot(slot, wasInFlight: false);
            }
        }
    }

    /// <summary>
    /// Waits for every request in flight to complete, then resends spooled batches, oldest first; true when nothing is
    /// in flight and the spool is empty (or disabled) within the timeout.
    /// </summary>
    /// <param name="timeout">The most to wait, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    public override bool ForceFlush(TimeSpan timeout)
    {
        var start = Stopwatch.GetTimestamp();
        if (!WaitIdle(timeout, start))
        {
            return false;
        }

        if (_spool is null)
        {
            return true;
        }

        if (!_sendLock.TryEnter(Remaining(timeout, start)))
        {
            return false;
        }

        try
        {
            if (_released)
            {
                return false;
            }

            long remaining = timeout == Timeout.InfiniteTimeSpan
                ? _options.TimeoutMilliseconds
                : Math.Max(0, (long)(timeout - Stopwatch.GetElapsedTime(start)).TotalMilliseconds);
            long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * Math.Min(remaining, _options.TimeoutMilliseconds) / 1000;
            _spoolMayHavePending = true;
            if (DrainSpool(deadline, int.MaxValue, _shutdownCts.Token) != DrainOutcome.Empty)
            {
                // The background drain carries on where this flush stopped.
                ScheduleDrain();
            }

            return !_spoolMayHavePending;
        }
        finally
        {
            _sendLock.Exit();
        }
    }

    /// <summary>
    /// Shutdown has begun: deliver what the processor still hands over for most of <paramref name="timeout"/>,
    /// then stop trying (a running attempt or back-off is cancelled) and spool what is left (or, without a spool, drop
    /// it with reason <c>shutdown</c>), so the whole shutdown ends within the bound.
    /// </summary>
    /// <param name="timeout">The time left for the whole shutdown, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    public override void BeginShutdown(TimeSpan timeout)
    {
        _stopping = true;
        TryChangeTimer(Timeout.InfiniteTimeSpan);
        ArmShutdownCancel(timeout);
    }

    /// <summary>
    /// Stops exporting (later batches are dropped and counted), lets the requests in flight finish within shutdown's
    /// delivery time (then they are cancelled: spooled, or dropped with reason <c>shutdown</c>), and closes the
    /// connections.
    /// </summary>
    /// <param name="timeout">The most to wait for the requests in flight and a running export, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    public override bool Shutdown(TimeSpan timeout)
    {
        var start = Stopwatch.GetTimestamp();
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            timeout = TimeSpan.Zero;
        }

        _stopping = true;
        _shutdown = true;
        TryChangeTimer(Timeout.InfiniteTimeSpan);

        // Called without BeginShutdown (Dispose, or an exporter used on its own): the same split of the bound.
        ArmShutdownCancel(timeout);
        bool idle = WaitIdle(timeout, start);

        // Whatever still runs stops trying now; the last request to complete closes the connections.
        CancelShutdownToken();

        if (!_sendLock.TryEnter(Remaining(timeout, start)))
        {
            // The running export was cancelled above; it closes the connections when it returns.
            _releaseWhenIdle = true;
            return false;
        }

        try
        {
            _releaseWhenIdle = true;
            return ReleaseIfIdle() && idle;
        }
        finally
        {
            _sendLock.Exit();
        }
    }

    // Once per exporter: cancel the attempts when shutdown's delivery time (three fifths of the bound, keeping at most
    // two seconds) is up.
    private void ArmShutdownCancel(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan || Interlocked.Exchange(ref _shutdownCancelArmed, 1) != 0)
        {
            return;
        }

        long timeoutMilliseconds = (long)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);

        // Keep two fifths of the bound (at most two seconds) for ending the running attempt, writing the rest to the
        // spool and closing connections, on a machine that may be busy.
        long reserve = Math.Min(2000, timeoutMilliseconds * 2 / 5);
        try
        {
            _shutdownCts.CancelAfter(TimeSpan.FromMilliseconds(timeoutMilliseconds - reserve));
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Shutdown(TracerProvider.DefaultShutdownTimeout);
        }

        base.Dispose(disposing);
    }

    private ExportResult ExportInPlace(OtlpRequest request, int count, long deadline, CancellationToken token) =>
        Settle(request, count, SendWithRetry(request, deadline, retry: true, token));

    /// <summary>
    /// Counts a send's outcome, on whichever thread sent it: delivered; with a spool, a retryable failure goes to disk
    /// for the drain to retry; otherwise dropped with its reason. With a spool, call it under <c>_sendLock</c>.
    /// </summary>
    private ExportResult Settle(OtlpRequest request, int count, in SendResult result)
    {
        switch (result.Status)
        {
            case SendStatus.Success:
                Accept(count, result);
                return ExportResult.Success;
            case SendStatus.Retryable when _spool is not null:
                OnAttemptFailed(result);
                return SpoolBatch(_spool, request, count, _shutdownCts.IsCancellationRequested ? "shutdown: " + result.Reason : result.Reason);
            case SendStatus.Retryable:
                Drop(count, _stopping ? "shutdown: " + result.Reason : "retries exhausted: " + result.Reason);
                return ExportResult.Failure;
            default:
                Drop(count, "not retryable: " + result.Reason);
                return ExportResult.Failure;
        }
    }

    private ExportResult ExportWriteAhead(ExportSpool spool, OtlpRequest request, int count, long deadline, CancellationToken token)
    {
        // The receiver is known to be down, or shutdown's time is up: queue behind the backlog without an attempt, so
        // the spool stays in order and the export thread never waits on a dead receiver.
        if (_shutdownCts.IsCancellationRequested || (_receiverDown && _spoolMayHavePending))
        {
            return SpoolBatch(spool, request, count, _shutdownCts.IsCancellationRequested ? "shutdown" : "receiver unreachable");
        }

        // Older spooled batches go first, so the receiver sees them in order.
        if (_spoolMayHavePending && DrainSpool(deadline, FilesPerDrainRound, token) != DrainOutcome.Empty)
        {
            return SpoolBatch(spool, request, count, "older batches are still waiting");
        }

        return Settle(request, count, SendWithRetry(request, deadline, retry: false, token));
    }

    // Called under _sendLock. The batch in the request goes to disk before any back-off; the drain retries it from there.
    private ExportResult SpoolBatch(ExportSpool spool, OtlpRequest request, int count, string reason)
    {
        try
        {
            string file = spool.Write(request.Buffer.Span, count);
            Interlocked.Add(ref _spooled, count);
            _spoolMayHavePending = true;
            OtlpExporterEventSource.Log.BatchSpooled(count, Path.GetFileName(file), reason);
            ScheduleDrain();

            // The batch is on disk and will be delivered later: the exporter has taken it over, so the processor must
            // not count it as dropped (it would be counted twice once it arrives).
            return ExportResult.Success;
        }
        catch (Exception ex)
        {
            Drop(count, reason + "; spool write failed: " + ex.Message);
            return ExportResult.Failure;
        }
    }

    // Called under _sendLock: the next background round after the current back-off step.
    private void ScheduleDrain()
    {
        if (_drainTimer is null || _stopping)
        {
            return;
        }

        TimeSpan backoff;
        lock (_health)
        {
            backoff = _drainBackoff;
        }

        var delay = ExportRetryPolicy.Jitter(backoff);
        try
        {
            _drainTimer.Change(delay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    // A timer callback: one bounded round of the background drain.
    private void DrainRound()
    {
        if (_stopping || _spool is null)
        {
            return;
        }

        if (!_sendLock.TryEnter(0))
        {
            // An export is running; it sends the backlog first itself. Look again shortly.
            TryChangeTimer(TimeSpan.FromMilliseconds(200));
            return;
        }

        try
        {
            if (_released || _stopping)
            {
                return;
            }

            long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * _options.TimeoutMilliseconds / 1000;
            switch (DrainSpool(deadline, FilesPerDrainRound, _shutdownCts.Token))
            {
                case DrainOutcome.More:
                    TryChangeTimer(TimeSpan.Zero);
                    break;
                case DrainOutcome.Blocked:
                    ScheduleDrain();
                    break;
            }
        }
        catch (Exception ex)
        {
            OtlpExporterEventSource.Log.SpoolUnavailable(_spool.DirectoryPath, ex.Message);
            ScheduleDrain();
        }
        finally
        {
            if (_releaseWhenIdle)
            {
                ReleaseIfIdle();
            }

            _sendLock.Exit();
        }
    }

    private void TryChangeTimer(TimeSpan due)
    {
        try
        {
            _drainTimer?.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void CancelShutdownToken()
    {
        try
        {
            _shutdownCts.Cancel();
        }
        catch (Exception ex)
        {
            OtlpExporterEventSource.Log.SpoolUnavailable(string.Empty, ex.Message);
        }
    }

    // Called under _sendLock; idempotent. Closes everything once no request is in flight (else the last one to complete
    // does, as _releaseWhenIdle asks); true once released.
    private bool ReleaseIfIdle()
    {
        if (_released)
        {
            return true;
        }

        lock (_slotLock)
        {
            if (_inFlight > 0)
            {
                return false;
            }

            // Under _slotLock: a slot acquired from now on sees _released and sends nothing.
            _released = true;
            Monitor.PulseAll(_slotLock);
        }

        _drainTimer?.Dispose();
        _transport.Dispose();
        _spoolRequest.Dispose();
        foreach (var slot in _slots)
        {
            slot.Stop();
        }

        return true;
    }

    // One export's attempts, by the exporters' shared policy: in place (retry) or once (the spool retries instead).
    private SendResult SendWithRetry(OtlpRequest request, long deadline, bool retry, CancellationToken cancellationToken) =>
        (retry ? _retry : ExportRetryPolicy.Once).Send(
            (Exporter: this, Request: request),
            static (s, remaining, token) =>
            {
                var result = s.Exporter._transport.Send(s.Request, remaining, token);
                if (result.Status == SendStatus.Success)
                {
                    s.Exporter.OnAttemptSucceeded();
                }

                return result;
            },
            static (s, attempt, reason, delay) =>
            {
                Interlocked.Increment(ref s.Exporter._failedAttempts);
                Interlocked.Increment(ref s.Exporter._retries);
                OtlpExporterEventSource.Log.ExportRetrying(s.Exporter._endpointText, attempt, reason, (int)delay.TotalMilliseconds);
            },
            deadline,
            cancellationToken);

    // After a retryable failure with a spool (from any thread): the background drain backs off exponentially.
    private void OnAttemptFailed(in SendResult result)
    {
        int attempts;
        TimeSpan step;
        lock (_health)
        {
            attempts = ++_failedAttempts;
            _receiverDown = true;
            step = result.RetryAfter ?? _drainBackoff;
            _drainBackoff = TimeSpan.FromTicks(Math.Min(_drainBackoff.Ticks * 2, _options.MaxBackoff.Ticks));
            if (result.RetryAfter is { } hint && hint > _drainBackoff)
            {
                _drainBackoff = hint;
            }
        }

        OtlpExporterEventSource.Log.ExportRetrying(_endpointText, attempts, result.Reason, (int)step.TotalMilliseconds);
    }

    // The receiver answers again (from any thread).
    private void OnAttemptSucceeded()
    {
        int failed;
        lock (_health)
        {
            failed = _failedAttempts;
            _failedAttempts = 0;
            _receiverDown = false;
            _drainBackoff = _options.InitialBackoff;
        }

        if (failed > 0)
        {
            OtlpExporterEventSource.Log.ExportRecovered(_endpointText, failed);
        }
    }

    /// <summary>Sends up to <paramref name="maxFiles"/> spooled batches, oldest first, one attempt each; each file is deleted only once accepted (or refused for good).</summary>
    private DrainOutcome DrainSpool(long deadline, int maxFiles, CancellationToken cancellationToken)
    {
        var spool = _spool!;
        var files = spool.PendingFiles();
        int sent = 0;
        foreach (string file in files)
        {
            if (sent >= maxFiles)
            {
                return DrainOutcome.More;
            }

            if (!spool.TryRead(file, _spoolRequest.Buffer, out int spans))
            {
                continue;
            }

            // Every spooled batch failed an attempt before: each send from the spool is a retry.
            sent++;
            Interlocked.Increment(ref _retries);

            var result = SendWithRetry(_spoolRequest, deadline, retry: false, cancellationToken);
            if (result.Status == SendStatus.Retryable)
            {
                // Still unreachable: keep this and every newer file for later.
                if (!cancellationToken.IsCancellationRequested)
                {
                    OnAttemptFailed(result);
                }

                return DrainOutcome.Blocked;
            }

            // Accepted (or refused for good): only now does the batch leave the spool.
            ExportSpool.Delete(file);
            if (result.Status == SendStatus.Success)
            {
                Accept(spans, result);
                OtlpExporterEventSource.Log.SpoolFileSent(Path.GetFileName(file), spans);
            }
            else
            {
                Drop(spans, "spooled batch not retryable: " + result.Reason);
            }
        }

        _spoolMayHavePending = false;
        return DrainOutcome.Empty;
    }

    private void Accept(int spans, in SendResult result)
    {
        long rejected = Math.Clamp(result.RejectedSpans, 0, spans);
        Interlocked.Add(ref _exported, spans - rejected);
        if (rejected > 0 || !string.IsNullOrEmpty(result.RejectionMessage))
        {
            Interlocked.Add(ref _rejected, rejected);
            Interlocked.Add(ref _dropped, rejected);
            OtlpExporterEventSource.Log.PartialSuccess(rejected, result.RejectionMessage ?? string.Empty);
        }
    }

    private void Drop(int spans, string reason)
    {
        Interlocked.Add(ref _dropped, spans);
        OtlpExporterEventSource.Log.SpansDropped(spans, _endpointText, reason);
    }

    private static TimeSpan Remaining(TimeSpan timeout, long start) =>
        timeout == Timeout.InfiniteTimeSpan ? timeout : TimeSpan.FromTicks(Math.Max(0, (timeout - Stopwatch.GetElapsedTime(start)).Ticks));

    /// <summary>An idle send slot, waiting while every slot is in flight; null past the deadline, on cancellation or once released.</summary>
    private SendSlot? AcquireSlot(long deadline, CancellationToken cancellationToken)
    {
        lock (_slotLock)
        {
            while (_idleCount == 0)
            {
                long leftMs = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (leftMs <= 0 || cancellationToken.IsCancellationRequested || _released)
                {
                    return null;
                }

                // A completing slot pulses; the slice only bounds how late a cancellation is noticed.
                Monitor.Wait(_slotLock, (int)Math.Min(leftMs, 100));
            }

            return _idleSlots[--_idleCount];
        }
    }

    private void ReturnSlot(SendSlot slot, bool wasInFlight)
    {
        lock (_slotLock)
        {
            _idleSlots[_idleCount++] = slot;
            if (wasInFlight)
            {
                _inFlight--;
            }

            Monitor.PulseAll(_slotLock);
        }
    }

    // Called under _sendLock with an acquired slot whose request is encoded.
    private void Dispatch(SendSlot slot)
    {
        lock (_slotLock)
        {
            _inFlight++;
        }

        try
        {
            slot.Start();
        }
        catch
        {
            // No thread to send it (out of memory): not in flight after all; the caller counts the batch as failed.
            lock (_slotLock)
            {
                _inFlight--;
                Monitor.PulseAll(_slotLock);
            }

            throw;
        }
    }

    /// <summary>True once no request is in flight, within the timeout.</summary>
    private bool WaitIdle(TimeSpan timeout, long start)
    {
        lock (_slotLock)
        {
            while (_inFlight > 0)
            {
                var left = Remaining(timeout, start);
                if (left == TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(_slotLock, left);
            }

            return true;
        }
    }

    /// <summary>On a send slot's thread: one request's attempts, then its outcome counted and reported.</summary>
    private void SendFromSlot(SendSlot slot)
    {
        var request = slot.Request;
        int count = request.Spans;
        var outcome = ExportResult.Failure;
        try
        {
            // Only the shutdown token: the processor's token belongs to the Export call, which has returned.
            var result = SendWithRetry(request, request.Deadline, retry: _spool is null, _shutdownCts.Token);
            if (result.Status == SendStatus.Retryable && _spool is not null)
            {
                // The spool is written under the send lock, and not at all once shutdown has released it.
                lock (_sendLock)
                {
                    if (_released)
                    {
                        OnAttemptFailed(result);
                        Drop(count, "shutdown: " + result.Reason);
                    }
                    else
                    {
                        outcome = Settle(request, count, result);
                    }
                }
            }
            else
            {
                outcome = Settle(request, count, result);
            }
        }
        catch (Exception ex)
        {
            Drop(count, "send failed: " + ex.Message);
        }
        finally
        {
            // Counted before the slot is free again, so a flush that sees nothing in flight sees final counts.
            CompletePending(count, outcome);
            ReturnSlot(slot, wasInFlight: true);
            if (_releaseWhenIdle)
            {
                lock (_sendLock)
                {
                    ReleaseIfIdle();
                }
            }
        }
    }

    /// <summary>
    /// One request buffer and, once first used with several slots, one thread that sends what is handed to it. The
    /// thread blocks on the response (the transports are synchronous), so a request in flight costs a parked thread,
    /// not a busy core.
    /// </summary>
    private sealed class SendSlot
    {
        private readonly OtlpTraceExporter _owner;
        private readonly object _gate = new();
        private Thread? _thread;
        private bool _hasWork;
        private bool _stop;

        public SendSlot(OtlpTraceExporter owner) => _owner = owner;

        public OtlpRequest Request { get; } = new();

        /// <summary>Hands the encoded request to the slot's thread (started on first use).</summary>
        public void Start()
        {
            lock (_gate)
            {
                _hasWork = true;
                if (_thread is null)
                {
                    _thread = new Thread(static s => ((SendSlot)s!).Run())
                    {
                        IsBackground = true,
                        Name = "Tracing.Sdk OTLP send",
                    };
                    _thread.Start(this);
                }
                else
                {
                    Monitor.Pulse(_gate);
                }
            }
        }

        /// <summary>Ends the thread (once idle) and frees the buffer; called once nothing is in flight.</summary>
        public void Stop()
        {
            lock (_gate)
            {
                _stop = true;
                Monitor.Pulse(_gate);
            }

            Request.Dispose();
        }

        private void Run()
        {
            while (true)
            {
                lock (_gate)
                {
                    while (!_hasWork)
                    {
                        if (_stop)
                        {
                            return;
                        }

                        Monitor.Wait(_gate);
                    }

                    _hasWork = false;
                }

                _owner.SendFromSlot(this);
            }
        }
    }

    private enum DrainOutcome
    {
        Empty,
        More,
        Blocked,
    }
}

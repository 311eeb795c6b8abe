using System;
using System.Diagnostics;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp.Diagnostics;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporter.Otlp.Spool;
using Tracing.Sdk.Exporter.Otlp.Transport;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp;

/// <summary>
/// Exports spans over OTLP (gRPC, HTTP/protobuf or HTTP/JSON). Each batch is written straight from the span records
/// into a reused pooled buffer, sent, and retried on retryable failures (gRPC UNAVAILABLE and friends, HTTP 429, 502,
/// 503, 504) with exponential back-off and jitter, honouring the receiver's <c>RetryInfo</c> / <c>Retry-After</c>,
/// all within <see cref="OtlpExporterOptions.Timeout"/>. Nothing is lost silently: every span ends up in
/// <see cref="ExportedSpans"/>, <see cref="DroppedSpans"/> or (with a spool) <see cref="SpooledSpans"/>, and every
/// retry and drop is logged to the <c>Tracing-Sdk-Exporter-Otlp</c> EventSource.
/// </summary>
public sealed class OtlpTraceExporter : SpanExporter
{
    private readonly OtlpExporterOptions _options;
    private readonly OtlpTransport _transport;
    private readonly OtlpProtobufSerializer? _protobuf;
    private readonly OtlpJsonSerializer? _json;
    private readonly ExportBuffer _buffer = new();
    private readonly ExportBuffer _spoolBuffer = new();
    private readonly ExportSpool? _spool;
    private readonly Lock _sendLock = new();
    private readonly string _endpointText;
    private bool _spoolMayHavePending;
    private volatile bool _shutdown;
    private bool _released;
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
        _endpointText = Endpoint.ToString();
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
    }

    /// <summary>Where requests go.</summary>
    public Uri Endpoint { get; }

    /// <summary>The transport and encoding.</summary>
    public OtlpExportProtocol Protocol => _options.Protocol;

    /// <summary>Spans the receiver accepted (partial-success rejections excluded), spooled batches included once resent.</summary>
    public long ExportedSpans => Interlocked.Read(ref _exported);

    /// <summary>Spans given up on: non-retryable failures, retries exhausted without a spool, rejected by the receiver, or dropped from the spool.</summary>
    public long DroppedSpans => Interlocked.Read(ref _dropped) + (_spool?.DroppedSpans ?? 0);

    /// <summary>Spans the receiver rejected in a partial-success response (also counted in <see cref="DroppedSpans"/>).</summary>
    public long RejectedSpans => Interlocked.Read(ref _rejected);

    /// <summary>Attempts made after a retryable failure.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Spans written to the spool because the receiver stayed unreachable (counted again in <see cref="ExportedSpans"/> once resent).</summary>
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
            Drop(count, "exporter is shut down");
            return ExportResult.Failure;
        }

        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * _options.TimeoutMilliseconds / 1000;
        lock (_sendLock)
        {
            if (_released)
            {
                Drop(count, "exporter is shut down");
                return ExportResult.Failure;
            }

            try
            {
                if (_json is not null)
                {
                    _json.Serialize(batch, _buffer);
                }
                else
                {
                    _protobuf!.Serialize(batch, _buffer);
                }
            }
            catch (Exception ex)
            {
                Drop(count, "serialization failed: " + ex.Message);
                return ExportResult.Failure;
            }

            // Older spooled batches go first (one attempt each), so the receiver sees them in order.
            if (_spoolMayHavePending)
            {
                DrainSpool(deadline, cancellationToken);
            }

            var result = SendWithRetry(_buffer, deadline, retry: true, cancellationToken);
            switch (result.Status)
            {
                case SendStatus.Success:
                    Accept(count, result);
                    if (_spoolMayHavePending)
                    {
                        DrainSpool(deadline, cancellationToken);
                    }

                    return ExportResult.Success;

                case SendStatus.Retryable when _spool is not null:
                    try
                    {
                        string file = _spool.Write(_buffer.Span, count);
                        Interlocked.Add(ref _spooled, count);
                        _spoolMayHavePending = true;
                        OtlpExporterEventSource.Log.BatchSpooled(count, file);

                        // The batch is on disk and will be delivered later: the exporter has taken it over, so the
                        // processor must not count it as dropped (it would be counted twice once it arrives).
                        return ExportResult.Success;
                    }
                    catch (Exception ex)
                    {
                        Drop(count, result.Reason + "; spool write failed: " + ex.Message);
                        return ExportResult.Failure;
                    }

                default:
                    Drop(count, result.Status == SendStatus.Retryable ? "retries exhausted: " + result.Reason : "not retryable: " + result.Reason);
                    return ExportResult.Failure;
            }
        }
    }

    /// <summary>Resends spooled batches, oldest first; true when the spool is empty (or disabled) within the timeout.</summary>
    /// <param name="timeoutMilliseconds">The most to wait.</param>
    public override bool ForceFlush(int timeoutMilliseconds)
    {
        if (_spool is null)
        {
            return true;
        }

        var start = Stopwatch.GetTimestamp();
        if (!_sendLock.TryEnter(timeoutMilliseconds))
        {
            return false;
        }

        try
        {
            if (_released)
            {
                return false;
            }

            long remaining = Math.Max(0, timeoutMilliseconds - (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * Math.Min(remaining, _options.TimeoutMilliseconds) / 1000;
            _spoolMayHavePending = true;
            DrainSpool(deadline, CancellationToken.None);
            return !_spoolMayHavePending;
        }
        finally
        {
            _sendLock.Exit();
        }
    }

    /// <summary>Stops exporting (later batches are dropped and counted) and closes the connections once a running export ends.</summary>
    /// <param name="timeoutMilliseconds">The most to wait for a running export.</param>
    public override bool Shutdown(int timeoutMilliseconds)
    {
        _shutdown = true;
        if (!_sendLock.TryEnter(Math.Max(0, timeoutMilliseconds)))
        {
            return false;
        }

        try
        {
            ReleaseResources();
            return true;
        }
        finally
        {
            _sendLock.Exit();
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shutdown = true;
            lock (_sendLock)
            {
                ReleaseResources();
            }
        }

        base.Dispose(disposing);
    }

    // Called under _sendLock; idempotent.
    private void ReleaseResources()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        _transport.Dispose();
        _buffer.Dispose();
        _spoolBuffer.Dispose();
    }

    private SendResult SendWithRetry(ExportBuffer request, long deadline, bool retry, CancellationToken cancellationToken)
    {
        var backoff = _options.InitialBackoff;
        for (int attempt = 1; ; attempt++)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                return new SendResult(SendStatus.Retryable, "export timeout reached");
            }

            var result = _transport.Send(request, remaining, cancellationToken);
            if (result.Status != SendStatus.Retryable || !retry || !_options.RetryEnabled
                || attempt > _options.MaxRetryAttempts || cancellationToken.IsCancellationRequested)
            {
                return result;
            }

            // Full jitter on the exponential step spreads out exporters that failed together; a server hint wins.
            var delay = result.RetryAfter ?? TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline) <= delay)
            {
                return result with { Reason = result.Reason + " (next retry would pass the export timeout)" };
            }

            Interlocked.Increment(ref _retries);
            OtlpExporterEventSource.Log.ExportRetrying(_endpointText, attempt, result.Reason, (int)delay.TotalMilliseconds);
            if (cancellationToken.WaitHandle.WaitOne(delay))
            {
                return result with { Reason = result.Reason + " (cancelled)" };
            }
        }
    }

    private void DrainSpool(long deadline, CancellationToken cancellationToken)
    {
        var spool = _spool!;
        foreach (string file in spool.PendingFiles())
        {
            if (!spool.TryRead(file, _spoolBuffer, out int spans))
            {
                continue;
            }

            var result = SendWithRetry(_spoolBuffer, deadline, retry: false, cancellationToken);
            if (result.Status == SendStatus.Retryable)
            {
                // Still unreachable: keep this and every newer file for later.
                return;
            }

            ExportSpool.Delete(file);
            if (result.Status == SendStatus.Success)
            {
                Accept(spans, result);
                OtlpExporterEventSource.Log.SpoolFileSent(file, spans);
            }
            else
            {
                Drop(spans, "spooled batch not retryable: " + result.Reason);
            }
        }

        _spoolMayHavePending = false;
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
}

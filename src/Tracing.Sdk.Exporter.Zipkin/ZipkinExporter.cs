using System;
using System.Buffers;
using System.Diagnostics;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Zipkin;

/// <summary>
/// Posts spans to a Zipkin v2 endpoint as JSON. Retryable failures (HTTP 429, 502, 503, 504, connection failures) are
/// retried with exponential back-off and jitter, honouring <c>Retry-After</c>, within the export timeout; everything
/// given up on is counted in <see cref="DroppedSpans"/> and logged (EventSource <c>Tracing-Sdk-Exporter-Zipkin</c>).
/// </summary>
public sealed class ZipkinExporter : SpanExporter
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly ZipkinExporterOptions _options;
    private readonly HttpClient _client;
    private readonly ZipkinJsonSerializer _serializer = new();
    // Reused for every export: it keeps its array, so steady-state exports allocate no buffer.
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Lock _sendLock = new();
    private readonly string _endpointText;
    private bool _disposed;
    private long _exported;
    private long _dropped;
    private long _retries;

    /// <summary>Creates the exporter.</summary>
    /// <param name="options">The settings.</param>
    public ZipkinExporter(ZipkinExporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _endpointText = options.Endpoint.ToString();
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        foreach (var (key, value) in options.Headers)
        {
            _client.DefaultRequestHeaders.TryAddWithoutValidation(key, value);
        }
    }

    /// <summary>Spans the endpoint accepted.</summary>
    public long ExportedSpans => Interlocked.Read(ref _exported);

    /// <summary>Spans given up on (non-retryable answer, or retries exhausted).</summary>
    public long DroppedSpans => Interlocked.Read(ref _dropped);

    /// <summary>Attempts made after a retryable failure.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <inheritdoc/>
    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        int count = batch.Count;
        if (count == 0)
        {
            return ExportResult.Success;
        }

        long deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * _options.TimeoutMilliseconds / 1000);
        lock (_sendLock)
        {
            if (_disposed)
            {
                return Drop(count, "exporter is disposed");
            }

            try
            {
                _serializer.Serialize(batch, _buffer);
            }
            catch (Exception ex)
            {
                return Drop(count, "serialization failed: " + ex.Message);
            }

            var backoff = _options.InitialBackoff;
            for (int attempt = 1; ; attempt++)
            {
                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero)
                {
                    return Drop(count, "export timeout reached");
                }

                var (outcome, reason, retryAfter) = Send(remaining, cancellationToken);
                if (outcome == 0)
                {
                    Interlocked.Add(ref _exported, count);
                    return ExportResult.Success;
                }

                if (outcome == 2 || attempt > _options.MaxRetryAttempts || cancellationToken.IsCancellationRequested)
                {
                    return Drop(count, outcome == 2 ? "not retryable: " + reason : "retries exhausted: " + reason);
                }

                var delay = retryAfter ?? TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline) <= delay)
                {
                    return Drop(count, reason + " (next retry would pass the export timeout)");
                }

                Interlocked.Increment(ref _retries);
                ZipkinExporterEventSource.Log.ExportRetrying(_endpointText, attempt, reason, (int)delay.TotalMilliseconds);
                if (cancellationToken.WaitHandle.WaitOne(delay))
                {
                    return Drop(count, reason + " (cancelled)");
                }
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_sendLock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _client.Dispose();
                _serializer.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    // 0 = delivered, 1 = retryable, 2 = permanent.
    private (int Outcome, string Reason, TimeSpan? RetryAfter) Send(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var content = new ReadOnlyMemoryContent(_buffer.WrittenMemory);
            content.Headers.ContentType = s_json;
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint) { Content = content };
            using var response = _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token).GetAwaiter().GetResult();
            int code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (0, "ok", null);
            }

            string reason = "HTTP " + code.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (code is 429 or 502 or 503 or 504)
            {
                TimeSpan? hint = response.Headers.RetryAfter switch
                {
                    { Delta: { } d } => d < TimeSpan.Zero ? TimeSpan.Zero : d,
                    { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
                    _ => null,
                };
                return (1, reason, hint);
            }

            return (2, reason, null);
        }
        catch (OperationCanceledException)
        {
            return (1, cancellationToken.IsCancellationRequested ? "cancelled" : "timed out", null);
        }
        catch (Exception ex)
        {
            return (1, ex.GetType().Name + ": " + ex.Message, null);
        }
    }

    private ExportResult Drop(int spans, string reason)
    {
        Interlocked.Add(ref _dropped, spans);
        ZipkinExporterEventSource.Log.SpansDropped(spans, _endpointText, reason);
        return ExportResult.Failure;
    }
}

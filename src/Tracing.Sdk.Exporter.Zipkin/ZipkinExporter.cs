using System;
using System.Buffers;
using System.Diagnostics;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Exporting.Retry;

namespace Tracing.Sdk.Exporter.Zipkin;

/// <summary>
/// Posts spans to a Zipkin v2 endpoint as JSON. Retryable failures (HTTP 429, 502, 503, 504, connection failures) are
/// retried by the exporters' shared <see cref="ExportRetryPolicy"/> (exponential back-off with jitter, honouring
/// <c>Retry-After</c>, within the export timeout; off with <see cref="ZipkinExporterOptions.RetryEnabled"/>); everything
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
    private readonly ExportRetryPolicy _retry;
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
        // Logged with every retry and drop: never with credentials (user information) or a query.
        _endpointText = options.Endpoint.IsAbsoluteUri
            ? options.Endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : "(relative endpoint)";
        _retry = new ExportRetryPolicy(options.RetryEnabled, options.MaxRetryAttempts, options.InitialBackoff, options.MaxBackoff);
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1), ActivityHeadersPropagator = null }, disposeHandler: true)
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

            var result = _retry.Send(
                this,
                static (self, remaining, token) => self.Send(remaining, token),
                static (self, attempt, reason, delay) =>
                {
                    Interlocked.Increment(ref self._retries);
                    ZipkinExporterEventSource.Log.ExportRetrying(self._endpointText, attempt, reason, (int)delay.TotalMilliseconds);
                },
                deadline,
                cancellationToken);
            if (result.Status == SendStatus.Success)
            {
                Interlocked.Add(ref _exported, count);
                return ExportResult.Success;
            }

            return Drop(count, (result.Status == SendStatus.Permanent ? "not retryable: " : "gave up: ") + result.Reason);
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

    private SendResult Send(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The export is the SDK's own traffic: no instrumentation may trace it (it would be exported, and traced, again).
        using var suppressed = SuppressInstrumentationScope.Begin();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var content = new ReadOnlyMemoryContent(_buffer.WrittenMemory);
            content.Headers.ContentType = s_json;
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint) { Content = content };

            // Synchronous Send, as the OTLP/HTTP transport: the export thread waits anyway, without a thread-pool hop.
            using var response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
            if (response.IsSuccessStatusCode)
            {
                return SendResult.Success();
            }

            return HttpFailure.Classify(response);
        }
        catch (Exception ex)
        {
            return HttpFailure.Classify(ex, cancellationToken);
        }
    }

    private ExportResult Drop(int spans, string reason)
    {
        Interlocked.Add(ref _dropped, spans);
        ZipkinExporterEventSource.Log.SpansDropped(spans, _endpointText, reason);
        return ExportResult.Failure;
    }
}

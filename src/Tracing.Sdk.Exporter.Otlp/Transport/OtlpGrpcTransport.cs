using System;
using System.Buffers;
using System.Net.Http;
using System.Threading;
using Grpc.Core;
using Grpc.Net.Client;
using Tracing.Sdk.Exporter.Otlp.Diagnostics;
using Tracing.Sdk.Exporter.Otlp.Serialization;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// The <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c> unary call through Grpc.Net.Client. The
/// method uses our own marshallers: the request is the already-encoded bytes, the response is read by hand.
/// </summary>
internal sealed class OtlpGrpcTransport : OtlpTransport
{
    private static readonly Method<ExportBuffer, PartialSuccess> s_export = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "Export",
        Marshallers.Create<ExportBuffer>(WriteRequest, static _ => throw new NotSupportedException()),
        Marshallers.Create<PartialSuccess>(static (_, _) => throw new NotSupportedException(), ReadResponse));

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly Metadata _headers = [];

    public OtlpGrpcTransport(OtlpExporterOptions options, Uri endpoint)
    {
        Endpoint = endpoint;
        // An HttpClient (rather than a handler) keeps Grpc.Net.Client out of its subchannel mode, whose reconnect
        // back-off (1 s growing to 2 min) would fail calls fast for minutes after the receiver comes back: retry pacing
        // is the exporter's job, within its export timeout.
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpClient = new HttpClient(OtlpHttpHandler.Create(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan },
            DisposeHttpClient = true,
        });
        _invoker = _channel.CreateCallInvoker();
        foreach (var (key, value) in options.Headers)
        {
            try
            {
                _headers.Add(key.ToLowerInvariant(), value);
            }
            catch (ArgumentException)
            {
                OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_HEADERS", key, "skipping the header");
            }
        }

        if (options.Compression == OtlpCompression.Gzip)
        {
            // Grpc.Net.Client's switch for compressing a request with one of its registered providers.
            _headers.Add("grpc-internal-encoding-request", "gzip");
        }
    }

    public override Uri Endpoint { get; }

    public override SendResult Send(ExportBuffer request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The export is the SDK's own traffic: no instrumentation may trace it (it would be exported, and traced, again).
        using var suppressed = SuppressInstrumentationScope.Begin();
        try
        {
            var call = _invoker.AsyncUnaryCall(s_export, null, new CallOptions(_headers, DateTime.UtcNow + timeout, cancellationToken), request);
            using (call)
            {
                // Wait with the token ourselves: a cancellation (the export timeout, or shutdown's deadline) then ends
                // the wait on the cancelling thread at once, without waiting for the call's own continuations to run
                // on a busy thread pool. Disposing the call aborts it.
                var task = call.ResponseAsync;
                if (!task.IsCompleted)
                {
                    try
                    {
                        task.Wait(cancellationToken);
                    }
                    catch (AggregateException)
                    {
                        // Rethrown unwrapped by GetResult below.
                    }
                }

                var response = task.GetAwaiter().GetResult();
                return SendResult.Success(response.Rejected, response.Message);
            }
        }
        catch (RpcException ex)
        {
            return Classify(ex);
        }
        catch (OperationCanceledException)
        {
            return new SendResult(SendStatus.Retryable, "cancelled");
        }
        catch (Exception ex)
        {
            return new SendResult(SendStatus.Retryable, ex.GetType().Name + ": " + ex.Message);
        }
    }

    public override void Dispose() => _channel.Dispose();

    internal static SendResult Classify(RpcException ex)
    {
        string reason = "gRPC " + ex.StatusCode + (string.IsNullOrEmpty(ex.Status.Detail) ? string.Empty : ": " + ex.Status.Detail);
        TimeSpan? hint = null;
        foreach (var entry in ex.Trailers)
        {
            if (entry.IsBinary && entry.Key == "grpc-status-details-bin")
            {
                hint = RetryHint.FromStatusDetails(entry.ValueBytes);
            }
        }

        var status = ex.StatusCode switch
        {
            Grpc.Core.StatusCode.Cancelled or Grpc.Core.StatusCode.DeadlineExceeded or Grpc.Core.StatusCode.Aborted or Grpc.Core.StatusCode.OutOfRange
                or Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DataLoss => SendStatus.Retryable,

            // The receiver is out of memory or quota: only worth retrying when it says when (RetryInfo).
            Grpc.Core.StatusCode.ResourceExhausted when hint is not null => SendStatus.Retryable,
            _ => SendStatus.Permanent,
        };

        return new SendResult(status, reason, hint);
    }

    private static void WriteRequest(ExportBuffer request, SerializationContext context)
    {
        context.SetPayloadLength(request.Length);
        var writer = context.GetBufferWriter();
        request.Span.CopyTo(writer.GetSpan(request.Length));
        writer.Advance(request.Length);
        context.Complete();
    }

    private static PartialSuccess ReadResponse(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        if (payload.IsEmpty)
        {
            return PartialSuccess.None;
        }

        var (rejected, message) = payload.IsSingleSegment
            ? RetryHint.ReadPartialSuccess(payload.FirstSpan)
            : RetryHint.ReadPartialSuccess(payload.ToArray());
        return new PartialSuccess(rejected, message);
    }

    private sealed record PartialSuccess(long Rejected, string? Message)
    {
        public static readonly PartialSuccess None = new(0, null);
    }
}

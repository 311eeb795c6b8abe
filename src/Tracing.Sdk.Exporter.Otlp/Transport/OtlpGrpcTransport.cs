using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting.Retry;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// The <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c> unary call, spoken directly over HTTP/2 with
/// <see cref="HttpClient"/>: one request whose body is the length-prefixed message, one buffered response whose status
/// is read from <c>grpc-status</c> (trailers, or headers for a trailers-only answer).
/// </summary>
/// <remarks>
/// Why not Grpc.Net.Client: a unary call there runs a call object, a deadline timer, a linked cancellation source and
/// several awaits per response (headers, message, trailers), each a thread-pool hop when the awaited data is not yet
/// in. On a machine whose cores are busy with the application, every hop waits for a core, and the export thread's
/// throughput is that latency. Here the whole response is read inside one <c>SendAsync</c> (the response is buffered),
/// so the export thread blocks once per request, and a call allocates only what <see cref="HttpClient"/> itself needs.
/// </remarks>
internal sealed class OtlpGrpcTransport : OtlpTransport
{
    private const string ExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private const int MaxResponseBytes = 64 * 1024;
    private static readonly MediaTypeHeaderValue s_grpc = new("application/grpc");

    private readonly HttpClient _client;
    private readonly Uri _uri;
    private readonly bool _gzip;

    public OtlpGrpcTransport(OtlpExporterOptions options, Uri endpoint)
    {
        Endpoint = endpoint;
        _uri = new Uri(endpoint, ExportPath);
        _gzip = options.Compression == OtlpCompression.Gzip;

        _client = new HttpClient(OtlpHttpHandler.Create(options), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        // Some servers (the C core among them) refuse a gRPC call without it.
        _client.DefaultRequestHeaders.TryAddWithoutValidation("te", "trailers");
        foreach (var (key, value) in options.Headers)
        {
            if (!_client.DefaultRequestHeaders.TryAddWithoutValidation(key.ToLowerInvariant(), value))
            {
                Diagnostics.OtlpExporterEventSource.Log.InvalidConfiguration("OTEL_EXPORTER_OTLP_HEADERS", key, "skipping the header");
            }
        }

        if (_gzip)
        {
            _client.DefaultRequestHeaders.TryAddWithoutValidation("grpc-encoding", "gzip");
        }
    }

    public override Uri Endpoint { get; }

    /// <summary>The length prefix is written before the message, in place: prefix and message go out as one write (one DATA frame run, not a 5-byte frame first).</summary>
    public override int MessageHeadroom => _gzip ? 0 : 5;

    protected override SendResult SendOnce(OtlpRequest request, CancellationToken token)
    {
        // HTTP/2 only (prior knowledge over http://, ALPN over https://): gRPC does not run over HTTP/1.1.
        using var message = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcMessageContent(request.Buffer, request.GrpcPrefix, _gzip),
        };
        var task = _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, token);
        if (!task.IsCompleted)
        {
            // Wait with the token ourselves: a cancellation (the export timeout, or shutdown's deadline) then ends
            // the wait on the cancelling thread at once, without waiting for the call's own continuations to run
            // on a busy thread pool; the abandoned call ends by itself (its token is cancelled).
            try
            {
                task.Wait(token);
            }
            catch (AggregateException)
            {
                // Rethrown unwrapped by GetResult below.
            }
        }

        using var response = task.GetAwaiter().GetResult();
        return ReadResult(response);
    }

    protected override void DisposeClient() => _client.Dispose();

    /// <summary>Classifies a gRPC status the way the OTLP specification asks (transient codes are retried).</summary>
    /// <param name="code">The <c>grpc-status</c> code.</param>
    /// <param name="detail">The decoded <c>grpc-message</c>, if any.</param>
    /// <param name="statusDetails">The decoded <c>grpc-status-details-bin</c> (a <c>google.rpc.Status</c>), if any.</param>
    internal static SendResult Classify(GrpcStatus code, string? detail, ReadOnlySpan<byte> statusDetails)
    {
        string reason = "gRPC " + code + (string.IsNullOrEmpty(detail) ? string.Empty : ": " + detail);
        TimeSpan? hint = statusDetails.IsEmpty ? null : RetryHint.FromStatusDetails(statusDetails);
        var status = code switch
        {
            GrpcStatus.Cancelled or GrpcStatus.DeadlineExceeded or GrpcStatus.Aborted or GrpcStatus.OutOfRange
                or GrpcStatus.Unavailable or GrpcStatus.DataLoss => SendStatus.Retryable,

            // The receiver is out of memory or quota: only worth retrying when it says when (RetryInfo).
            GrpcStatus.ResourceExhausted when hint is not null => SendStatus.Retryable,
            _ => SendStatus.Permanent,
        };

        return new SendResult(status, reason, hint);
    }

    /// <summary>The gRPC status an HTTP status maps to when a proxy answers instead of a gRPC server (gRPC's HTTP mapping).</summary>
    internal static GrpcStatus FromHttpStatus(int status) => status switch
    {
        400 => GrpcStatus.Internal,
        401 => GrpcStatus.Unauthenticated,
        403 => GrpcStatus.PermissionDenied,
        404 => GrpcStatus.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatus.Unavailable,
        _ => GrpcStatus.Unknown,
    };

    private static SendResult ReadResult(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            int http = (int)response.StatusCode;
            return Classify(FromHttpStatus(http), "HTTP " + http.ToString(System.Globalization.CultureInfo.InvariantCulture), default);
        }

        // A trailers-only answer (an error before any message) carries the status in the headers.
        var trailers = response.TrailingHeaders;
        string? statusText = Header(trailers, "grpc-status") ?? Header(response.Headers, "grpc-status");
        if (statusText is null || !int.TryParse(statusText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int code))
        {
            return new SendResult(SendStatus.Permanent, "gRPC response without a valid grpc-status");
        }

        if (code != 0)
        {
            string? message = Header(trailers, "grpc-message") ?? Header(response.Headers, "grpc-message");
            string? details = Header(trailers, "grpc-status-details-bin") ?? Header(response.Headers, "grpc-status-details-bin");
            return Classify((GrpcStatus)code, message is null ? null : PercentDecode(message), DecodeBase64(details));
        }

        return ReadPartialSuccess(response);
    }

    private static SendResult ReadPartialSuccess(HttpResponseMessage response)
    {
        // The body was buffered by SendAsync: this reads memory, it does not wait on the network.
        using var stream = response.Content.ReadAsStream();
        byte[] rented = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            int length = 0;
            int read;
            while ((read = stream.Read(rented, length, rented.Length - length)) > 0)
            {
                length += read;
                if (length == rented.Length)
                {
                    if (rented.Length >= MaxResponseBytes)
                    {
                        // Larger than any partial-success message we care to read: the call itself succeeded.
                        return SendResult.Success();
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(rented.Length * 2);
                    rented.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(rented);
                    rented = bigger;
                }
            }

            if (length < 5)
            {
                return SendResult.Success();
            }

            int size = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(rented.AsSpan(1)), (uint)(length - 5));
            var payload = rented.AsSpan(5, size);
            if (rented[0] == 1)
            {
                // Compressed although we never offered an encoding: read it if it is gzip, else skip the details.
                if (!string.Equals(Header(response.Headers, "grpc-encoding"), "gzip", StringComparison.OrdinalIgnoreCase))
                {
                    return SendResult.Success();
                }

                using var gzip = new GZipStream(new MemoryStream(rented, 5, size), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                var (rejectedGz, textGz) = RetryHint.ReadPartialSuccess(plain.GetBuffer().AsSpan(0, (int)plain.Length));
                return SendResult.Success(rejectedGz, textGz);
            }

            var (rejected, text) = RetryHint.ReadPartialSuccess(payload);
            return SendResult.Success(rejected, text);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) && values.Count > 0 ? values.ToString() : null;

    /// <summary>gRPC percent-encodes <c>grpc-message</c>; a malformed escape is left as it is.</summary>
    private static string PercentDecode(string text)
    {
        try
        {
            return text.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(text) : text;
        }
        catch (Exception)
        {
            return text;
        }
    }

    /// <summary>Binary headers are base64, padded or not; malformed input reads as no details.</summary>
    private static byte[] DecodeBase64(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        string padded = (text.Length % 4) switch
        {
            2 => text + "==",
            3 => text + "=",
            _ => text,
        };
        var bytes = new byte[(padded.Length / 4) * 3];
        return Convert.TryFromBase64String(padded, bytes, out int written) ? bytes.AsSpan(0, written).ToArray() : [];
    }

    /// <summary>The request body: the gRPC length prefix, then the encoded message (gzip-compressed if asked).</summary>
    private sealed class GrpcMessageContent : HttpContent
    {
        private readonly ExportBuffer _request;
        private readonly byte[] _prefix;
        private readonly bool _gzip;

        public GrpcMessageContent(ExportBuffer request, byte[] prefix, bool gzip)
        {
            _request = request;
            _prefix = prefix;
            _gzip = gzip;
            Headers.ContentType = s_grpc;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            if (_gzip)
            {
                byte[] compressed = Compress(out int length);
                await stream.WriteAsync(compressed.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                return;
            }

            // The serializer left room for the prefix before the message: one write, one run of DATA frames. Each write
            // to an HTTP/2 request stream is its own frame(s) and its own pass through the connection's write loop,
            // so a separate 5-byte write would cost a frame and a wait of its own.
            if (_request.Start >= 5)
            {
                int at = _request.Start - 5;
                byte[] array = _request.Array;
                array[at] = 0;
                BinaryPrimitives.WriteUInt32BigEndian(array.AsSpan(at + 1, 4), (uint)_request.Length);
                await stream.WriteAsync(array.AsMemory(at, 5 + _request.Length), cancellationToken).ConfigureAwait(false);
                return;
            }

            // A message without room before it (read back from the spool): the prefix is written first. The prefix
            // array belongs to the request's send slot, reused: a slot carries one request at a time.
            _prefix[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(_prefix.AsSpan(1), (uint)_request.Length);
            await stream.WriteAsync(_prefix, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(_request.Memory, cancellationToken).ConfigureAwait(false);
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            if (_gzip)
            {
                byte[] compressed = Compress(out int length);
                stream.Write(compressed, 0, length);
                return;
            }

            Span<byte> prefix = stackalloc byte[5];
            prefix[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(prefix[1..], (uint)_request.Length);
            stream.Write(prefix);
            stream.Write(_request.Span);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            if (_gzip)
            {
                return false;
            }

            length = 5 + _request.Length;
            return true;
        }

        private byte[] Compress(out int length)
        {
            var output = new MemoryStream();
            output.Write([1, 0, 0, 0, 0]);
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(_request.Span);
            }

            length = (int)output.Length;
            byte[] bytes = output.GetBuffer();
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)(length - 5));
            return bytes;
        }
    }
}

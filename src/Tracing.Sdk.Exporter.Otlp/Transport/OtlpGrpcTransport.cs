using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporter.Otlp.Transport.Http2;

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

    private readonly HttpClient _client;
    private readonly Uri _uri;
    private readonly bool _gzip;
    private readonly byte[] _prefix = new byte[5];
    private CancellationTokenSource _timeout = new();

    // The synchronous HTTP/2 path, for http:// endpoints (h2c): the request's header block, encoded once, and the
    // connection, opened on first use and replaced after any failure.
    private readonly byte[]? _h2cHeaderBlock;
    private readonly List<(string Name, string Value)> _h2cFields = [];
    private readonly List<byte> _h2cBody = [];
    private H2cConnection? _h2c;

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

        if (endpoint.Scheme == Uri.UriSchemeHttp)
        {
            var headers = new List<(string Name, string Value)> { ("content-type", "application/grpc"), ("te", "trailers") };
            if (_gzip)
            {
                headers.Add(("grpc-encoding", "gzip"));
            }

            foreach (var (key, value) in options.Headers)
            {
                string name = key.ToLowerInvariant();
                if (IsValidHeader(name, value))
                {
                    headers.Add((name, value));
                }
            }

            _h2cHeaderBlock = HPackEncoder.Encode("http", endpoint.Authority, ExportPath, headers);
        }
    }

    public override Uri Endpoint { get; }

    public override SendResult Send(ExportBuffer request, TimeSpan timeout, CancellationToken cancellationToken) =>
        _h2cHeaderBlock is not null ? SendH2c(request, timeout, cancellationToken) : SendHttpClient(request, timeout, cancellationToken);

    /// <summary>
    /// The synchronous path: this thread writes the frames and blocks in the socket until the response has ended, so
    /// no thread-pool work runs for an export.
    /// </summary>
    private SendResult SendH2c(ExportBuffer request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        ReadOnlySpan<byte> body = request.Span;
        if (_gzip)
        {
            byte[] compressed = GrpcMessageContent.Compress(request, out int length);
            body = compressed.AsSpan(5, length - 5);
            _prefix[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(_prefix.AsSpan(1), (uint)(length - 5));
        }
        else
        {
            _prefix[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(_prefix.AsSpan(1), (uint)request.Length);
        }

        // A kept-alive connection the server has since closed (idle timeout, GOAWAY) fails on first use: that attempt
        // is repeated at once on a new connection, rather than waiting for the exporter's back-off.
        for (int attempt = 0; ; attempt++)
        {
            bool reused = _h2c is { IsUsable: true };
            try
            {
                if (_h2c is { IsUsable: false })
                {
                    _h2c.Dispose();
                    _h2c = null;
                }

                var left = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero)
                {
                    return new SendResult(SendStatus.Retryable, "timed out");
                }

                _h2c ??= H2cConnection.Open(Endpoint.IdnHost, Endpoint.Port, left, cancellationToken);
                var connection = _h2c;

                // Cancellation (the processor's watchdog) closes the socket, which ends a blocked send or receive.
                using var cancel = cancellationToken.CanBeCanceled
                    ? cancellationToken.UnsafeRegister(static s => ((H2cConnection)s!).Dispose(), connection)
                    : default;
                _h2cFields.Clear();
                _h2cBody.Clear();
                int status = connection.Send(_h2cHeaderBlock, _prefix, body, left, _h2cFields, _h2cBody);
                return Interpret(status, Find, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_h2cBody));
            }
#pragma warning disable CA1031 // Any failure is reported as a result; the connection is replaced on the next send.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _h2c?.Dispose();
                _h2c = null;
                if (cancellationToken.IsCancellationRequested)
                {
                    return new SendResult(SendStatus.Retryable, "cancelled");
                }

                bool timedOut = ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.TimedOut } or OperationCanceledException;
                if (reused && attempt == 0 && !timedOut)
                {
                    continue;
                }

                return timedOut
                    ? new SendResult(SendStatus.Retryable, "timed out")
                    : new SendResult(SendStatus.Retryable, ex.GetType().Name + ": " + ex.Message);
            }
        }
    }

    // The last field of a name wins: trailers come after the response headers.
    private string? Find(string name)
    {
        for (int i = _h2cFields.Count - 1; i >= 0; i--)
        {
            if (_h2cFields[i].Name == name)
            {
                return _h2cFields[i].Value;
            }
        }

        return null;
    }

    private static bool IsValidHeader(string name, string value)
    {
        if (name.Length == 0 || name[0] == ':' || name is "connection" or "te" or "transfer-encoding" or "upgrade" or "keep-alive" or "proxy-connection")
        {
            return false;
        }

        foreach (char c in name + value)
        {
            if (c is '\r' or '\n' or '\0' || c > 0xff)
            {
                return false;
            }
        }

        return true;
    }

    private SendResult SendHttpClient(ExportBuffer request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // One timeout source, reused: exports never overlap (the exporter sends under its lock).
        if (!_timeout.TryReset())
        {
            _timeout.Dispose();
            _timeout = new CancellationTokenSource();
        }

        var token = _timeout.Token;
        using var link = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _timeout)
            : default;
        _timeout.CancelAfter(timeout);
        try
        {
            // HTTP/2 only (prior knowledge over http://, ALPN over https://): gRPC does not run over HTTP/1.1.
            using var message = new HttpRequestMessage(HttpMethod.Post, _uri)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new GrpcMessageContent(request, _prefix, _gzip),
            };
            using var response = _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, token).GetAwaiter().GetResult();
            return ReadResult(response);
        }
        catch (OperationCanceledException)
        {
            return new SendResult(SendStatus.Retryable, cancellationToken.IsCancellationRequested ? "cancelled" : "timed out");
        }
#pragma warning disable CA1031 // Any transport failure is reported as a result, never thrown into the exporter's caller.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new SendResult(SendStatus.Retryable, ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            _timeout.CancelAfter(Timeout.Infinite);
        }
    }

    public override void Dispose()
    {
        _h2c?.Dispose();
        _client.Dispose();
        _timeout.Dispose();
    }

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
        // The body was buffered by SendAsync: reading it reads memory, it does not wait on the network.
        byte[] body = [];
        if (response.StatusCode == HttpStatusCode.OK)
        {
            using var stream = response.Content.ReadAsStream();
            using var copy = new MemoryStream();
            var chunk = new byte[256];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0 && copy.Length < MaxResponseBytes)
            {
                copy.Write(chunk, 0, read);
            }

            body = copy.ToArray();
        }

        var trailers = response.TrailingHeaders;
        var headers = response.Headers;
        return Interpret((int)response.StatusCode, name => Header(trailers, name) ?? Header(headers, name), body);
    }

    /// <summary>
    /// Reads a gRPC response: the HTTP status, then <c>grpc-status</c> (from the trailers, or the headers of a
    /// trailers-only answer), then the partial-success message in the body.
    /// </summary>
    /// <param name="httpStatus">The response's <c>:status</c>.</param>
    /// <param name="header">Looks a response header or trailer up by its lower-case name (a trailer wins).</param>
    /// <param name="body">The response body: length-prefixed messages.</param>
    internal static SendResult Interpret(int httpStatus, Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        if (httpStatus != 200)
        {
            return Classify(FromHttpStatus(httpStatus), "HTTP " + httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), default);
        }

        string? statusText = header("grpc-status");
        if (statusText is null || !int.TryParse(statusText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int code))
        {
            return new SendResult(SendStatus.Permanent, "gRPC response without a valid grpc-status");
        }

        if (code != 0)
        {
            string? message = header("grpc-message");
            return Classify((GrpcStatus)code, message is null ? null : PercentDecode(message), DecodeBase64(header("grpc-status-details-bin")));
        }

        if (body.Length < 5)
        {
            return SendResult.Success();
        }

        int size = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(body[1..]), (uint)(body.Length - 5));
        var payload = body.Slice(5, size);
        if (body[0] == 1)
        {
            // Compressed although we never offered an encoding: read it if it is gzip, else skip the details.
            if (!string.Equals(header("grpc-encoding"), "gzip", StringComparison.OrdinalIgnoreCase))
            {
                return SendResult.Success();
            }

            try
            {
                using var gzip = new GZipStream(new MemoryStream(payload.ToArray()), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                var (rejectedGz, textGz) = RetryHint.ReadPartialSuccess(plain.GetBuffer().AsSpan(0, (int)plain.Length));
                return SendResult.Success(rejectedGz, textGz);
            }
            catch (InvalidDataException)
            {
                return SendResult.Success();
            }
        }

        var (rejected, text) = RetryHint.ReadPartialSuccess(payload);
        return SendResult.Success(rejected, text);
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
#pragma warning disable CA1031 // A hostile message must not fail the export's classification.
        catch (Exception)
#pragma warning restore CA1031
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
}

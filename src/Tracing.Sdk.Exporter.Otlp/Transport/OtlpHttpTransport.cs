using System;
using System.IO;
using System.IO.Compression;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting.Retry;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary><c>POST /v1/traces</c> with a protobuf or OTLP/JSON body.</summary>
internal sealed class OtlpHttpTransport : OtlpTransport
{
    private static readonly MediaTypeHeaderValue s_protobuf = new("application/x-protobuf");
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly HttpClient _client;
    private readonly bool _json;
    private readonly bool _gzip;

    public OtlpHttpTransport(OtlpExporterOptions options, Uri endpoint, bool json)
    {
        Endpoint = endpoint;
        _json = json;
        _gzip = options.Compression == OtlpCompression.Gzip;
        _client = new HttpClient(OtlpHttpHandler.Create(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        foreach (var (key, value) in options.Headers)
        {
            _client.DefaultRequestHeaders.TryAddWithoutValidation(key, value);
        }
    }

    public override Uri Endpoint { get; }

    protected override SendResult SendOnce(OtlpRequest request, CancellationToken token)
    {
        // Synchronous Send: the export thread waits anyway, and HTTP/1.1 needs no thread-pool hop that way.
        using var message = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = CreateContent(request.Buffer) };
        using var response = _client.Send(message, HttpCompletionOption.ResponseHeadersRead, token);
        if (response.IsSuccessStatusCode)
        {
            var (rejected, text) = ReadPartialSuccess(response, token);
            return SendResult.Success(rejected, text);
        }

        return HttpFailure.Classify(response);
    }

    protected override void DisposeClient() => _client.Dispose();

    private HttpContent CreateContent(ExportBuffer request)
    {
        HttpContent content;
        if (_gzip)
        {
            var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(request.Span);
            }

            content = new ByteArrayContent(compressed.GetBuffer(), 0, (int)compressed.Length);
            content.Headers.ContentEncoding.Add("gzip");
        }
        else
        {
            content = new ByteArrayContent(request.Array, request.Start, request.Length);
        }

        content.Headers.ContentType = _json ? s_json : s_protobuf;
        return content;
    }

    private static (long Rejected, string? Message) ReadPartialSuccess(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // A plain success usually has an empty body: skip reading into an array then.
        if (response.Content.Headers.ContentLength == 0)
        {
            return (0, null);
        }

        using var stream = response.Content.ReadAsStream(cancellationToken);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        if (copy.Length == 0)
        {
            return (0, null);
        }

        var body = copy.GetBuffer().AsSpan(0, (int)copy.Length);
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType == "application/json")
        {
            try
            {
                using var doc = JsonDocument.Parse(copy.GetBuffer().AsMemory(0, (int)copy.Length));
                if (doc.RootElement.ValueKind == JsonValueKind.Object
                    && doc.RootElement.TryGetProperty("partialSuccess", out var partial)
                    && partial.ValueKind == JsonValueKind.Object)
                {
                    long rejected = 0;
                    if (partial.TryGetProperty("rejectedSpans", out var r))
                    {
                        rejected = r.ValueKind == JsonValueKind.String ? long.Parse(r.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : r.GetInt64();
                    }

                    string? message = partial.TryGetProperty("errorMessage", out var m) ? m.GetString() : null;
                    return (rejected, message);
                }
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
            {
                return (0, null);
            }

            return (0, null);
        }

        return RetryHint.ReadPartialSuccess(body);
    }
}

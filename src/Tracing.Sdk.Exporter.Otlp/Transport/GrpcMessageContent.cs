using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporter.Otlp.Serialization;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>The request body: the gRPC length prefix, then the encoded message (gzip-compressed if asked).</summary>
internal sealed class GrpcMessageContent : HttpContent
{
    private static readonly MediaTypeHeaderValue s_grpc = new("application/grpc");

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
            byte[] compressed = Compress(_request, out int length);
            await stream.WriteAsync(compressed.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            return;
        }

        // Five bytes written before the message (not one copy of it); the connection buffers both into one frame.
        // The prefix array is the transport's, reused: requests never overlap.
        _prefix[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(_prefix.AsSpan(1), (uint)_request.Length);
        await stream.WriteAsync(_prefix, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(_request.Memory, cancellationToken).ConfigureAwait(false);
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_gzip)
        {
            byte[] compressed = Compress(_request, out int length);
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

    internal static byte[] Compress(ExportBuffer request, out int length)
    {
        var output = new MemoryStream();
        output.Write([1, 0, 0, 0, 0]);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(request.Span);
        }

        length = (int)output.Length;
        byte[] bytes = output.GetBuffer();
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)(length - 5));
        return bytes;
    }
}

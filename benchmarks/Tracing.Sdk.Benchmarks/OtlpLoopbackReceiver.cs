using System;
using System.Threading.Tasks;
using Tracing.Sdk.TestSupport.Otlp;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// The benchmarks' name for TestSupport's <see cref="OtlpReceiver"/> in counting mode: Kestrel on 127.0.0.1, OTLP/gRPC
/// (h2c) on one port and OTLP/HTTP on another, spans counted from the wire format and nothing kept, so the receiver
/// costs the same for both libraries. The e2e command reads <c>/count</c> and <c>/bytes</c> on the HTTP port from
/// another process; <c>GET /ok</c> there answers "ok" (the downstream service of the <c>web</c> command's apps).
/// </summary>
public sealed class OtlpLoopbackReceiver : IAsyncDisposable, IDisposable
{
    private readonly OtlpReceiver _receiver;

    private OtlpLoopbackReceiver(OtlpReceiver receiver) => _receiver = receiver;

    /// <summary>The OTLP/gRPC endpoint.</summary>
    public Uri GrpcEndpoint => _receiver.GrpcEndpoint;

    /// <summary>The OTLP/HTTP endpoint (<c>…/v1/traces</c>).</summary>
    public Uri HttpEndpoint => _receiver.HttpEndpoint;

    /// <summary>The OTLP/gRPC port.</summary>
    public int Port => _receiver.GrpcEndpoint.Port;

    /// <summary>Spans counted so far.</summary>
    public long Spans => _receiver.SpanCount;

    /// <summary>Spans counted so far (the receiver's common name).</summary>
    public long SpanCount => _receiver.SpanCount;

    /// <summary>Starts the receiver; a port of 0 takes a free one.</summary>
    /// <param name="grpcPort">The OTLP/gRPC port.</param>
    /// <param name="httpPort">The OTLP/HTTP port.</param>
    /// <param name="count">Kept for callers of the earlier receiver: counting walks the wire format without copying, so it is always on.</param>
    public static async Task<OtlpLoopbackReceiver> StartAsync(int grpcPort = 0, int httpPort = 0, bool count = true)
    {
        _ = count;
        return new OtlpLoopbackReceiver(await OtlpReceiver.StartAsync(OtlpReceiverMode.Count, grpcPort, httpPort).ConfigureAwait(false));
    }

    /// <summary>Starts the receiver on free ports, blocking.</summary>
    public static OtlpLoopbackReceiver Start() => StartAsync().GetAwaiter().GetResult();

    /// <summary>Counts the spans of a serialized ExportTraceServiceRequest.</summary>
    /// <param name="request">The request's bytes.</param>
    public static int CountSpans(ReadOnlySpan<byte> request) => OtlpWire.CountSpans(request);

    /// <summary>Waits until at least <paramref name="spans"/> spans were counted; false if <paramref name="timeout"/> passed first.</summary>
    /// <param name="spans">How many.</param>
    /// <param name="timeout">The bound.</param>
    public bool WaitForSpans(long spans, TimeSpan timeout) => _receiver.WaitForSpans(spans, timeout);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    /// <inheritdoc/>
    public void Dispose() => _receiver.Dispose();
}

using System;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp.Serialization;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// One send slot: an encoded request and what its attempts reuse (the timeout source, the gRPC length prefix). A slot
/// carries one request at a time, so several slots can be in flight on one transport at once without sharing state.
/// </summary>
internal sealed class OtlpRequest : IDisposable
{
    private CancellationTokenSource _timeout = new();

    /// <summary>The encoded request.</summary>
    public ExportBuffer Buffer { get; } = new();

    /// <summary>The five bytes written before a gRPC message.</summary>
    public byte[] GrpcPrefix { get; } = new byte[5];

    /// <summary>Spans in the request (for the counts once its outcome is known).</summary>
    public int Spans { get; set; }

    /// <summary>When the export that made the request runs out of time (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Deadline { get; set; }

    /// <summary>A timeout source for one attempt, reset (or replaced if it fired) for reuse.</summary>
    public CancellationTokenSource ResetTimeout()
    {
        if (!_timeout.TryReset())
        {
            _timeout.Dispose();
            _timeout = new CancellationTokenSource();
        }

        return _timeout;
    }

    public void Dispose()
    {
        Buffer.Dispose();
        _timeout.Dispose();
    }
}

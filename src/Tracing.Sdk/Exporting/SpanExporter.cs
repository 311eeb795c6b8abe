using System;
using System.Threading;

namespace Tracing.Sdk.Exporting;

/// <summary>
/// Sends finished spans somewhere. The one method to implement is <see cref="Export"/>: batching, queueing and
/// back-pressure live in the processors. <c>Export</c> is never called concurrently with itself.
/// </summary>
public abstract class SpanExporter : IDisposable
{
    /// <summary>Exports a batch. Must not keep the batch or its spans after returning.</summary>
    /// <param name="batch">The spans.</param>
    /// <param name="cancellationToken">Signalled when the export timeout passes or the processor shuts down.</param>
    public abstract ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken);

    /// <summary>Sends anything the exporter itself buffers; true if done within the timeout.</summary>
    /// <param name="timeout">The most to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it takes.</param>
    public virtual bool ForceFlush(TimeSpan timeout) => true;

    /// <summary>
    /// Called by the processor as its shutdown begins, before it hands over what is still queued. An exporter that
    /// retries or waits must stop doing so in time for the whole shutdown to end within
    /// <paramref name="timeout"/> (then keep what it can, for example in a spool, and drop the rest).
    /// </summary>
    /// <param name="timeout">The time left for the whole shutdown (not negative), or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    public virtual void BeginShutdown(TimeSpan timeout)
    {
    }

    /// <summary>Releases connections; true if done within the timeout.</summary>
    /// <param name="timeout">The most to wait (not negative), or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    public virtual bool Shutdown(TimeSpan timeout) => true;

    /// <summary>Calls <see cref="BeginShutdown"/>; an exporter's exception never reaches the application.</summary>
    internal void NotifyShutdownBegins(TimeSpan timeout)
    {
        try
        {
            BeginShutdown(timeout);
        }
        catch (Exception ex)
        {
            Diagnostics.SdkEventSource.Log.ProcessorFailed(GetType().Name, nameof(BeginShutdown), ex.Message);
        }
    }

    /// <summary>Disposes the exporter.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}

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

    /// <summary>
    /// Reports the outcome of a batch for which <see cref="Export"/> returned <see cref="ExportResult.Pending"/>:
    /// <see cref="ExportResult.Success"/> once delivered, <see cref="ExportResult.Failure"/> once given up on. The batch
    /// processor then counts its spans as exported or dropped (dropped by the shutdown once shutdown has begun). Call
    /// it exactly once per pending batch, from any thread; it never throws.
    /// </summary>
    /// <param name="spans">The number of spans in the batch.</param>
    /// <param name="result">The final outcome (<see cref="ExportResult.Pending"/> is treated as a failure).</param>
    protected void CompletePending(int spans, ExportResult result)
    {
        try
        {
            PendingCompleted?.Invoke(spans, result);
        }
        catch (Exception ex)
        {
            Diagnostics.SdkEventSource.Log.ProcessorFailed(GetType().Name, nameof(CompletePending), ex.Message);
        }
    }

    /// <summary>
    /// True when the caller counts late outcomes (the batch processor does): <see cref="Export"/> may then return
    /// <see cref="ExportResult.Pending"/> and report the outcome through <see cref="CompletePending"/>. A caller that
    /// does not (the simple processor, or code calling <see cref="Export"/> itself) expects a final result.
    /// </summary>
    protected bool CanCompleteLater => PendingCompleted is not null;

    /// <summary>Set by the batch processor that calls this exporter, to count late outcomes (see <see cref="CompletePending"/>).</summary>
    internal Action<int, ExportResult>? PendingCompleted { get; set; }

    /// <summary>The processor that calls this exporter; one at most, for the exporter's lifetime.</summary>
    private object? _processor;

    /// <summary>
    /// Makes <paramref name="processor"/> the one processor that calls this exporter. A second processor would call
    /// <see cref="Export"/> concurrently with the first and take over its late outcomes, so its spans would be counted
    /// by the wrong processor or never: it gets a clear answer when it is created instead.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another processor already calls this exporter.</exception>
    internal void AttachTo(object processor)
    {
        var owner = Interlocked.CompareExchange(ref _processor, processor, null);
        if (owner is not null && !ReferenceEquals(owner, processor))
        {
            throw new InvalidOperationException(
                $"This {GetType().Name} is already used by a {owner.GetType().Name}; an exporter serves one processor (its Export is never called concurrently). Create one exporter per processor.");
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

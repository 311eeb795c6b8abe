using System;

namespace Tracing.Sdk.Processing;

/// <summary>
/// A hook on span start and end. Processors run on the application's thread: they must be fast and must not throw.
/// A processor must not keep the <see cref="SpanData"/> after <see cref="OnEnd"/> returns (records are pooled);
/// use <see cref="SpanData.Clone"/> to keep one.
/// </summary>
public abstract class SpanProcessor : IDisposable
{
    private int _disposed;

    /// <summary>Called when a recording span starts.</summary>
    /// <param name="span">The span's data; attributes may still be added.</param>
    public virtual void OnStart(SpanData span)
    {
    }

    /// <summary>False for the SDK's processors that ignore <see cref="OnStart"/>, so the provider skips calling it.</summary>
    internal virtual bool WantsOnStart => true;

    /// <summary>Called when a recording span ends.</summary>
    /// <param name="span">The finished span.</param>
    public virtual void OnEnd(SpanData span)
    {
    }

    /// <summary>
    /// Called instead of <see cref="OnEnd"/> when this processor is the provider's only one: the processor receives the
    /// provider's reference and must call <see cref="SpanData.Release"/> when done. Lets the batch processor keep a
    /// span without an extra interlocked operation.
    /// </summary>
    /// <param name="span">The finished span.</param>
    /// <param name="thread">The ending thread's state, already looked up by the provider.</param>
    internal virtual void OnEndOwned(SpanData span, ProducerThread thread)
    {
        try
        {
            OnEnd(span);
        }
        finally
        {
            span.Release();
        }
    }

    /// <summary>Exports everything ended so far; true if done within the timeout.</summary>
    /// <param name="timeout">The most to wait; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits as long as it takes.</param>
    public virtual bool ForceFlush(TimeSpan timeout) => true;

    /// <summary>Flushes and stops; true if done within the timeout. Called once.</summary>
    /// <param name="timeout">The most to wait; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> or non-negative.</param>
    protected virtual bool OnShutdown(TimeSpan timeout) => true;

    /// <summary>Flushes and stops, once; later calls return false.</summary>
    /// <param name="timeout">The most to wait; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits as long as it takes.</param>
    public bool Shutdown(TimeSpan timeout)
    {
        if (System.Threading.Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        return OnShutdown(timeout < TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan ? TimeSpan.Zero : timeout);
    }

    /// <summary>Shuts down with a 5-second timeout.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Shutdown(TracerProvider.DefaultShutdownTimeout);
        }
    }
}

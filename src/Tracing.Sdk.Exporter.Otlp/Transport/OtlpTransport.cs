using System;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting.Retry;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// Sends one encoded request once. Retrying is the exporter's job; a transport only classifies the outcome. This class
/// holds what every transport's attempt shares: the suppression scope, the attempt's timeout, the caller's cancellation
/// and the classification of exceptions; a transport writes only <see cref="SendOnce"/>.
/// </summary>
internal abstract class OtlpTransport : IDisposable
{
    public abstract Uri Endpoint { get; }

    /// <summary>
    /// Sends <paramref name="request"/>; never throws (failures are classified into the result). Safe to call from
    /// several threads at once with different requests: what an attempt reuses lives in its <see cref="OtlpRequest"/>.
    /// </summary>
    public SendResult Send(OtlpRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The export is the SDK's own traffic: no instrumentation may trace it (it would be exported, and traced, again).
        // The scope is begun on the thread that sends, whichever it is (the export thread or a send slot's thread).
        using var suppressed = SuppressInstrumentationScope.Begin();
        var timeoutSource = request.ResetTimeout();
        var token = timeoutSource.Token;
        using var link = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeoutSource)
            : default;
        timeoutSource.CancelAfter(timeout);
        try
        {
            return SendOnce(request, token);
        }
        catch (Exception ex)
        {
            // Connection failures and timeouts: the same classification as every HTTP exporter's.
            return HttpFailure.Classify(ex, cancellationToken);
        }
        finally
        {
            timeoutSource.CancelAfter(Timeout.Infinite);
        }
    }

    /// <summary>
    /// True when the transport's client is asynchronous underneath (HTTP/2: <see cref="System.Net.Http.HttpClient"/>
    /// sends and reads on its own connection loops), so an attempt is better started with <see cref="SendAsync"/> and
    /// finished by a continuation than waited for by a blocked thread.
    /// </summary>
    public virtual bool PrefersAsync => false;

    /// <summary>Free bytes the transport wants before an encoded message, for framing written in place (0: none).</summary>
    public virtual int MessageHeadroom => 0;

    /// <summary>
    /// Like <see cref="Send"/>, without blocking: the returned task never faults (failures are classified into the
    /// result). What runs synchronously (building and queueing the request) runs on the calling thread.
    /// </summary>
    public async Task<SendResult> SendAsync(OtlpRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // As in Send: the scope flows with the execution context into the client's own tasks; the caller's context is
        // restored when this method first yields.
        using var suppressed = SuppressInstrumentationScope.Begin();
        var timeoutSource = request.ResetTimeout();
        var token = timeoutSource.Token;
        using var link = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeoutSource)
            : default;
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await SendOnceAsync(request, token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return HttpFailure.Classify(ex, cancellationToken);
        }
        finally
        {
            timeoutSource.CancelAfter(Timeout.Infinite);
        }
    }

    public void Dispose() => DisposeClient();

    /// <summary>One attempt without blocking (only called when <see cref="PrefersAsync"/>); may throw.</summary>
    protected virtual Task<SendResult> SendOnceAsync(OtlpRequest request, CancellationToken token) =>
        Task.FromResult(SendOnce(request, token));

    /// <summary>One attempt, cancelled by <paramref name="token"/> (the timeout or the caller); may throw.</summary>
    protected abstract SendResult SendOnce(OtlpRequest request, CancellationToken token);

    /// <summary>Releases the transport's connection(s).</summary>
    protected abstract void DisposeClient();
}

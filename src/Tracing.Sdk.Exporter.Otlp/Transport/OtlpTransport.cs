using System;
using System.Threading;
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

    /// <summary>Free bytes the transport wants before an encoded message, for framing written in place (0: none).</summary>
    public virtual int MessageHeadroom => 0;

    public void Dispose() => DisposeClient();

    /// <summary>One attempt, cancelled by <paramref name="token"/> (the timeout or the caller); may throw.</summary>
    protected abstract SendResult SendOnce(OtlpRequest request, CancellationToken token);

    /// <summary>Releases the transport's connection(s).</summary>
    protected abstract void DisposeClient();
}

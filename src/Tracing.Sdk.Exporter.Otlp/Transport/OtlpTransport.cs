using System;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting.Retry;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// Sends one encoded request once. Retrying is the exporter's job; a transport only classifies the outcome. This class
/// holds what every transport's attempt shares: the suppression scope, the attempt's timeout, the caller's cancellation
/// and the classification of exceptions; a transport writes only <see cref="SendOnce"/>.
/// </summary>
internal abstract class OtlpTransport : IDisposable
{
    // One timeout source, reused: exports never overlap (the exporter sends under its lock).
    private CancellationTokenSource _timeout = new();

    public abstract Uri Endpoint { get; }

    /// <summary>Sends <paramref name="request"/>; never throws (failures are classified into the result).</summary>
    public SendResult Send(ExportBuffer request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The export is the SDK's own traffic: no instrumentation may trace it (it would be exported, and traced, again).
        using var suppressed = SuppressInstrumentationScope.Begin();
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
            return SendOnce(request, token);
        }
        catch (Exception ex)
        {
            // Connection failures and timeouts: the same classification as every HTTP exporter's.
            return HttpFailure.Classify(ex, cancellationToken);
        }
        finally
        {
            _timeout.CancelAfter(Timeout.Infinite);
        }
    }

    public void Dispose()
    {
        DisposeClient();
        _timeout.Dispose();
    }

    /// <summary>One attempt, cancelled by <paramref name="token"/> (the timeout or the caller); may throw.</summary>
    protected abstract SendResult SendOnce(ExportBuffer request, CancellationToken token);

    /// <summary>Releases the transport's connection(s).</summary>
    protected abstract void DisposeClient();
}

using System;
using System.Threading;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Processing;

/// <summary>
/// Exports each sampled span synchronously as it ends, on the ending thread. For tests and local debugging; production
/// code wants the batch processor, which never makes the application wait on an exporter.
/// </summary>
public sealed class SimpleExportProcessor : SpanProcessor
{
    private readonly SpanExporter _exporter;
    private readonly Lock _lock = new();
    private readonly SpanData[] _one = new SpanData[1];

    /// <summary>Creates the processor.</summary>
    /// <param name="exporter">The exporter to call.</param>
    /// <exception cref="InvalidOperationException">The exporter is already used by another processor.</exception>
    public SimpleExportProcessor(SpanExporter exporter)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        exporter.AttachTo(this);
        _exporter = exporter;
    }

    /// <inheritdoc/>
    internal override bool WantsOnStart => false;

    /// <inheritdoc/>
    public override void OnEnd(SpanData span)
    {
        if (!span.Context.IsSampled)
        {
            return;
        }

        lock (_lock)
        {
            _one[0] = span;
            try
            {
                if (_exporter.Export(new SpanBatch(_one, 1), CancellationToken.None) == ExportResult.Failure)
                {
                    SdkEventSource.Log.ExportFailed(_exporter.GetType().Name, 1, "exporter returned Failure");
                }
            }
            catch (Exception ex)
            {
                SdkEventSource.Log.ExportFailed(_exporter.GetType().Name, 1, ex.Message);
            }
            finally
            {
                _one[0] = null!;
            }
        }
    }

    /// <inheritdoc/>
    public override bool ForceFlush(TimeSpan timeout) => _exporter.ForceFlush(timeout);

    /// <inheritdoc/>
    protected override bool OnShutdown(TimeSpan timeout)
    {
        _exporter.NotifyShutdownBegins(timeout);
        return _exporter.Shutdown(timeout);
    }
}

namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// A batch processor's exact counts at one moment (the self-diagnostics meter sums these over every
/// <see cref="IExportStatsSource"/>). Defined here, beside the meter, so Diagnostics never depends on Processing.
/// </summary>
/// <param name="Enqueued">Sampled spans accepted into the queue.</param>
/// <param name="DroppedQueueFull">Sampled spans dropped because the queue was full.</param>
/// <param name="DroppedShutdown">Sampled spans that ended after shutdown began.</param>
/// <param name="DroppedExportFailure">Spans in batches whose export failed, threw or timed out.</param>
/// <param name="Exported">Spans in batches the exporter reported as delivered.</param>
/// <param name="ExportAttempts">Calls to the exporter.</param>
/// <param name="ExportFailures">Calls that failed, threw or timed out.</param>
/// <param name="ExportsAbandoned">Calls that did not return after the timeout and were left behind.</param>
/// <param name="QueueDepth">Spans waiting in the queue.</param>
/// <param name="InFlight">
/// Spans handed to the exporter whose outcome is not known yet: the batch being exported and batches the exporter
/// still delivers after its <c>Export</c> returned. Received = exported + dropped + queue depth + in flight.
/// </param>
internal readonly record struct BatchExportStats(
    long Enqueued,
    long DroppedQueueFull,
    long DroppedShutdown,
    long DroppedExportFailure,
    long Exported,
    long ExportAttempts,
    long ExportFailures,
    long ExportsAbandoned,
    long QueueDepth,
    long InFlight)
{
    /// <summary>Every sampled span the processor was given.</summary>
    public long Received => Enqueued + DroppedQueueFull + DroppedShutdown;

    /// <summary>Every dropped span, whatever the reason.</summary>
    public long Dropped => DroppedQueueFull + DroppedShutdown + DroppedExportFailure;

    public BatchExportStats Add(in BatchExportStats o) => new(
        Enqueued + o.Enqueued,
        DroppedQueueFull + o.DroppedQueueFull,
        DroppedShutdown + o.DroppedShutdown,
        DroppedExportFailure + o.DroppedExportFailure,
        Exported + o.Exported,
        ExportAttempts + o.ExportAttempts,
        ExportFailures + o.ExportFailures,
        ExportsAbandoned + o.ExportsAbandoned,
        QueueDepth + o.QueueDepth,
        InFlight + o.InFlight);
}

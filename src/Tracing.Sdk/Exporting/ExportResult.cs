namespace Tracing.Sdk.Exporting;

/// <summary>The outcome of an export.</summary>
public enum ExportResult
{
    /// <summary>The batch was delivered.</summary>
    Success = 0,

    /// <summary>The batch was not delivered and will not be retried by the processor.</summary>
    Failure = 1,

    /// <summary>
    /// The exporter copied the batch (for example into an encoded request) and is still delivering it after
    /// <see cref="SpanExporter.Export"/> returned; it reports the outcome later through
    /// <see cref="SpanExporter.CompletePending"/>, exactly once per batch. Until then the batch counts as neither
    /// exported nor dropped.
    /// </summary>
    Pending = 2,
}

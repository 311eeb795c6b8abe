namespace Tracing.Sdk.Exporting;

/// <summary>The outcome of an export.</summary>
public enum ExportResult
{
    /// <summary>The batch was delivered.</summary>
    Success = 0,

    /// <summary>The batch was not delivered and will not be retried by the processor.</summary>
    Failure = 1,
}

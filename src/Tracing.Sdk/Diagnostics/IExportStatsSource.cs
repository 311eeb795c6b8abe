namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// What the self-diagnostics meter reads from a batch processor: the seam that keeps <see cref="SdkMeter"/> from knowing
/// the processor's type (Processing depends on Diagnostics, never the reverse). Read only when the meter is collected,
/// never on the span path.
/// </summary>
internal interface IExportStatsSource
{
    /// <summary>Exact counts at this moment; safe to call from any thread.</summary>
    BatchExportStats GetStats();
}

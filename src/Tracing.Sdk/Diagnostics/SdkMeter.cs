using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;

namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// The SDK's own health as a <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="Name"/>: spans started,
/// ended, dropped (tagged with the <c>reason</c>), exported, export attempts, failures and retries, the depth of the
/// batch queues and the spans in flight in exporters (so sampled spans ended = exported + dropped + queued + in flight). Listen with a <see cref="MeterListener"/>, <c>dotnet-counters</c> or any metrics SDK.
/// </summary>
/// <remarks>
/// The span counts are kept as plain per-thread and per-queue numbers and read by observable instruments when the meter
/// is collected, so the application's threads never pay for a <c>Counter.Add</c>; the totals are exact.
/// </remarks>
public static class SdkMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "Tracing.Sdk";

    private static readonly Meter s_meter = new(Name, SdkVersion.Current);
    private static readonly Lock s_lock = new();
    private static readonly List<IExportStatsSource> s_processors = [];

    // Totals of processors that have shut down, so the observable counters stay monotonic.
    private static BatchExportStats s_retired;

    private static readonly Counter<long> s_retries = s_meter.CreateCounter<long>(
        "tracing.sdk.export.retries", "{retry}", "Export attempts repeated by exporters after a retryable failure.");

    static SdkMeter()
    {
        s_meter.CreateObservableCounter("tracing.sdk.span.started", static () => ThreadSpanCounts.Totals().Started, "{span}", "Recording spans started.");
        s_meter.CreateObservableCounter("tracing.sdk.span.ended", static () => ThreadSpanCounts.Totals().Ended, "{span}", "Recording spans ended.");
        s_meter.CreateObservableCounter("tracing.sdk.span.dropped", static () => Dropped(), "{span}", "Sampled spans that were not exported, by reason: queue_full, export_failure, shutdown.");
        s_meter.CreateObservableCounter("tracing.sdk.span.exported", static () => Snapshot().Exported, "{span}", "Spans exporters reported as delivered.");
        s_meter.CreateObservableCounter("tracing.sdk.export.attempts", static () => Snapshot().ExportAttempts, "{export}", "Calls to exporters by batch processors.");
        s_meter.CreateObservableCounter("tracing.sdk.export.failures", static () => Snapshot().ExportFailures, "{export}", "Exports that failed, threw or timed out.");
        s_meter.CreateObservableGauge("tracing.sdk.queue.depth", static () => Snapshot().QueueDepth, "{span}", "Finished spans waiting in batch processors' queues.");
        s_meter.CreateObservableGauge("tracing.sdk.export.in_flight", static () => Snapshot().InFlight, "{span}", "Spans handed to exporters whose outcome is not known yet (being sent or retried).");
    }

    /// <summary>Counts export attempts that an exporter repeated after a retryable failure (for exporter packages).</summary>
    /// <param name="count">How many retries.</param>
    public static void AddExportRetries(long count)
    {
        if (count > 0)
        {
            s_retries.Add(count);
        }
    }

    /// <summary>Makes sure the meter exists, so listeners see it from the first provider on.</summary>
    internal static void EnsureCreated() => GC.KeepAlive(s_meter);

    internal static void Register(IExportStatsSource processor)
    {
        lock (s_lock)
        {
            s_processors.Add(processor);
        }
    }

    internal static void Retire(IExportStatsSource processor)
    {
        lock (s_lock)
        {
            if (s_processors.Remove(processor))
            {
                var final = processor.GetStats();
                s_retired = s_retired.Add(final with { QueueDepth = 0, InFlight = 0 });
            }
        }
    }

    internal static BatchExportStats Snapshot()
    {
        lock (s_lock)
        {
            var total = s_retired;
            foreach (var p in s_processors)
            {
                total = total.Add(p.GetStats());
            }

            return total;
        }
    }

    private static Measurement<long>[] Dropped()
    {
        var s = Snapshot();
        return
        [
            new(s.DroppedQueueFull, new KeyValuePair<string, object?>("reason", "queue_full")),
            new(s.DroppedExportFailure, new KeyValuePair<string, object?>("reason", "export_failure")),
            new(s.DroppedShutdown, new KeyValuePair<string, object?>("reason", "shutdown")),
        ];
    }
}

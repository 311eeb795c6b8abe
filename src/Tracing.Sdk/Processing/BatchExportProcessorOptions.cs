using System;
using System.Globalization;
using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk.Processing;

/// <summary>
/// The batch span processor's knobs, with the OpenTelemetry specification's defaults. Values set in code win over the
/// <c>OTEL_BSP_*</c> settings, which win over the defaults.
/// </summary>
public sealed record BatchExportProcessorOptions
{
    /// <summary>Default of <see cref="MaxQueueSize"/> (<c>OTEL_BSP_MAX_QUEUE_SIZE</c>).</summary>
    public const int DefaultMaxQueueSize = 2048;

    /// <summary>Default of <see cref="ScheduledDelay"/> (<c>OTEL_BSP_SCHEDULE_DELAY</c>, in milliseconds): 5 s.</summary>
    public static readonly TimeSpan DefaultScheduledDelay = TimeSpan.FromSeconds(5);

    /// <summary>Default of <see cref="MaxExportBatchSize"/> (<c>OTEL_BSP_MAX_EXPORT_BATCH_SIZE</c>).</summary>
    public const int DefaultMaxExportBatchSize = 512;

    /// <summary>Default of <see cref="ExportTimeout"/> (<c>OTEL_BSP_EXPORT_TIMEOUT</c>, in milliseconds): 30 s.</summary>
    public static readonly TimeSpan DefaultExportTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The most finished spans waiting for export; spans ending while it is full are dropped and counted.</summary>
    public int MaxQueueSize { get; set; } = DefaultMaxQueueSize;

    /// <summary>The longest a finished span waits before an export starts.</summary>
    public TimeSpan ScheduledDelay { get; set; } = DefaultScheduledDelay;

    /// <summary><see cref="ScheduledDelay"/> in whole milliseconds, clamped to <see cref="int.MaxValue"/>, for the deadline arithmetic.</summary>
    internal int ScheduledDelayMilliseconds => (int)Math.Clamp(Math.Ceiling(ScheduledDelay.TotalMilliseconds), int.MinValue, int.MaxValue);

    /// <summary>The most spans in one export; an export starts as soon as this many are waiting. Capped at <see cref="MaxQueueSize"/>.</summary>
    public int MaxExportBatchSize { get; set; } = DefaultMaxExportBatchSize;

    /// <summary>How long one export may take before it is cancelled and its spans are counted as dropped.</summary>
    public TimeSpan ExportTimeout { get; set; } = DefaultExportTimeout;

    /// <summary><see cref="ExportTimeout"/> in whole milliseconds, clamped to <see cref="int.MaxValue"/>, for the deadline arithmetic.</summary>
    internal int ExportTimeoutMilliseconds => (int)Math.Clamp(Math.Ceiling(ExportTimeout.TotalMilliseconds), int.MinValue, int.MaxValue);

    /// <summary>
    /// Options read from the <c>OTEL_BSP_*</c> settings; a missing setting keeps the default, an invalid one (not a
    /// positive integer) keeps the default and is reported to the self-log.
    /// </summary>
    /// <param name="getSetting">Returns a setting's value or null, for example <see cref="TracerProviderBuilder.GetSetting(string)"/>.</param>
    public static BatchExportProcessorOptions FromSettings(Func<string, string?> getSetting)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        return new BatchExportProcessorOptions
        {
            MaxQueueSize = ReadPositive(getSetting, "OTEL_BSP_MAX_QUEUE_SIZE", DefaultMaxQueueSize),
            ScheduledDelay = TimeSpan.FromMilliseconds(ReadPositive(getSetting, "OTEL_BSP_SCHEDULE_DELAY", (int)DefaultScheduledDelay.TotalMilliseconds)),
            MaxExportBatchSize = ReadPositive(getSetting, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", DefaultMaxExportBatchSize),
            ExportTimeout = TimeSpan.FromMilliseconds(ReadPositive(getSetting, "OTEL_BSP_EXPORT_TIMEOUT", (int)DefaultExportTimeout.TotalMilliseconds)),
        };
    }

    private static int ReadPositive(Func<string, string?> getSetting, string name, int fallback)
    {
        string? raw = getSetting(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        if (int.TryParse(raw.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0)
        {
            return value;
        }

        SdkEventSource.Log.InvalidConfiguration(name, raw, fallback.ToString(CultureInfo.InvariantCulture));
        return fallback;
    }
}

using System;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk;

/// <summary>Adds exporters to a provider behind a <see cref="BatchExportProcessor"/>.</summary>
public static class BatchExportProcessorExtensions
{
    /// <summary>
    /// Exports sampled spans through <paramref name="exporter"/> in batches, from a background thread. The options start
    /// from the <c>OTEL_BSP_*</c> settings (read through <see cref="TracerProviderBuilder.GetSetting(string)"/>) and
    /// <paramref name="configure"/> may override them.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="exporter">The exporter.</param>
    /// <param name="configure">Adjusts the options; optional.</param>
    /// <exception cref="InvalidOperationException">The exporter is already used by another processor (one exporter serves one processor).</exception>
    public static TracerProviderBuilder AddExporter(this TracerProviderBuilder builder, SpanExporter exporter, Action<BatchExportProcessorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(exporter);
        var options = BatchExportProcessorOptions.FromSettings(builder.GetSetting);
        configure?.Invoke(options);
        return builder.AddProcessor(new BatchExportProcessor(exporter, options));
    }
}

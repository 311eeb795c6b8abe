using System;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk;

/// <summary>Adds the OTLP exporter to a provider.</summary>
public static class OtlpExporterExtensions
{
    /// <summary>
    /// Exports spans in batches (a <see cref="BatchExportProcessor"/> with the <c>OTEL_BSP_*</c> settings) over OTLP, configured from the <c>OTEL_EXPORTER_OTLP_*</c> settings (read through
    /// <see cref="TracerProviderBuilder.GetSetting"/>) and then by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adjusts the options after the settings were read, or null.</param>
    public static TracerProviderBuilder AddOtlpExporter(this TracerProviderBuilder builder, Action<OtlpExporterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = OtlpExporterOptions.FromSettings(builder.GetSetting);
        configure?.Invoke(options);
        return builder.AddExporter(new OtlpTraceExporter(options));
    }

}

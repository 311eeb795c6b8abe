using System;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk.Exporter.Otlp;

/// <summary>Adds the OTLP exporter to a provider.</summary>
public static class OtlpExporterExtensions
{
    /// <summary>
    /// Exports spans over OTLP, configured from the <c>OTEL_EXPORTER_OTLP_*</c> settings (read through
    /// <see cref="TracerProviderBuilder.GetSetting"/>) and then by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adjusts the options after the settings were read, or null.</param>
    public static TracerProviderBuilder AddOtlpExporter(this TracerProviderBuilder builder, Action<OtlpExporterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = OtlpExporterOptions.FromSettings(builder.GetSetting);
        configure?.Invoke(options);
        return builder.AddProcessor(CreateProcessor(new OtlpTraceExporter(options)));
    }

    // The one place that decides how the exporter is driven; switch to the batch processor here.
    internal static SpanProcessor CreateProcessor(SpanExporter exporter) => new SimpleExportProcessor(exporter);
}

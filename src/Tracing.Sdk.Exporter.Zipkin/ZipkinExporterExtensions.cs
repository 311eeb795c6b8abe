using System;
using Tracing.Sdk.Exporter.Zipkin;

namespace Tracing.Sdk;

/// <summary>Adds the Zipkin exporter to a provider.</summary>
public static class ZipkinExporterExtensions
{
    /// <summary>
    /// Exports spans to Zipkin, configured from <c>OTEL_EXPORTER_ZIPKIN_*</c> (read through
    /// <see cref="TracerProviderBuilder.GetSetting"/>) and then by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adjusts the options after the settings were read, or null.</param>
    public static TracerProviderBuilder AddZipkinExporter(this TracerProviderBuilder builder, Action<ZipkinExporterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = ZipkinExporterOptions.FromSettings(builder.GetSetting);
        configure?.Invoke(options);
        return builder.AddExporter(new ZipkinExporter(options));
    }
}

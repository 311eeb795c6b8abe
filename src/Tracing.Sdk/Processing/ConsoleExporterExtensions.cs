using System;
using System.IO;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk;

/// <summary>Adds the console waterfall exporter to a provider.</summary>
public static class ConsoleExporterExtensions
{
    /// <summary>Prints each finished trace as a waterfall. Spans are handed over as they end (no batching): for local use.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="writer">Where to write; default standard output.</param>
    public static TracerProviderBuilder AddConsoleExporter(this TracerProviderBuilder builder, TextWriter? writer = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddProcessor(new SimpleExportProcessor(new ConsoleExporter(writer)));
    }

    /// <summary>
    /// Prints each finished trace as a waterfall, compact (80 columns) or verbose (nothing cut; ids, scopes, links,
    /// event time stamps, dropped counts and the resource added). Spans are handed over as they end: for local use.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="verbose">True for the verbose waterfall.</param>
    /// <param name="writer">Where to write; default standard output.</param>
    public static TracerProviderBuilder AddConsoleExporter(this TracerProviderBuilder builder, bool verbose, TextWriter? writer = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddProcessor(new SimpleExportProcessor(new ConsoleExporter(writer, verbose)));
    }
}

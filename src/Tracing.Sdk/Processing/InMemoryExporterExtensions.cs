using System;
using System.Collections.Generic;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk;

/// <summary>Adds the in-memory exporter to a provider.</summary>
public static class InMemoryExporterExtensions
{
    /// <summary>Exports every sampled span, as it ends, into <paramref name="spans"/> (copies, safe to keep).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="spans">The collection that receives the spans.</param>
    public static TracerProviderBuilder AddInMemoryExporter(this TracerProviderBuilder builder, ICollection<SpanData> spans)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddProcessor(new SimpleExportProcessor(new InMemoryExporter(spans)));
    }
}

using System.Threading;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Benchmarks.WebApp;

/// <summary>An exporter that discards every batch: the "sdk-drop" variant's, which traces but sends nothing.</summary>
internal sealed class DiscardingExporter : SpanExporter
{
    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken) => ExportResult.Success;
}

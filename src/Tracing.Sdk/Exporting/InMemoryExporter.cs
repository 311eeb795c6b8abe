using System;
using System.Collections.Generic;
using System.Threading;

namespace Tracing.Sdk.Exporting;

/// <summary>Keeps a copy of every exported span in a collection, for tests. Thread-safe: it locks the collection while adding.</summary>
public sealed class InMemoryExporter : SpanExporter
{
    private readonly ICollection<SpanData> _spans;

    /// <summary>Creates the exporter.</summary>
    /// <param name="spans">Receives a copy (<see cref="SpanData.Clone"/>) of each exported span.</param>
    public InMemoryExporter(ICollection<SpanData> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        _spans = spans;
    }

    /// <inheritdoc/>
    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        lock (_spans)
        {
            foreach (var span in batch)
            {
                _spans.Add(span.Clone());
            }
        }

        return ExportResult.Success;
    }
}

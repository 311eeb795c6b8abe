using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace Tracing.Sdk.Exporting;

/// <summary>
/// Prints each finished trace as a waterfall (<see cref="WaterfallFormatter"/>). Spans are gathered per trace until the
/// trace's local root span (no parent, or a remote one) has ended; then the trace is drawn. What is still gathered at
/// flush or shutdown is drawn as it is. At most <see cref="MaxPendingSpans"/> spans wait; past that the oldest trace is
/// drawn early.
/// </summary>
public sealed class ConsoleExporter : SpanExporter
{
    /// <summary>The most spans held while their traces are incomplete.</summary>
    public const int MaxPendingSpans = 10_000;

    private readonly TextWriter? _writer;
    private readonly bool _verbose;
    private readonly Dictionary<TraceId, List<SpanData>> _pending = [];
    private readonly List<TraceId> _order = [];
    private readonly Lock _lock = new();
    private int _pendingSpans;

    /// <summary>Creates the exporter, which draws the compact waterfall (80 columns, every attribute and event).</summary>
    /// <param name="writer">Where to write; default the console's standard output at the time of writing.</param>
    public ConsoleExporter(TextWriter? writer = null)
        : this(writer, verbose: false)
    {
    }

    /// <summary>Creates the exporter.</summary>
    /// <param name="writer">Where to write, or null for the console's standard output at the time of writing.</param>
    /// <param name="verbose">True to draw the verbose waterfall (see <see cref="WaterfallFormatter.Format(Trace, bool)"/>).</param>
    public ConsoleExporter(TextWriter? writer, bool verbose)
    {
        _writer = writer;
        _verbose = verbose;
    }

    /// <inheritdoc/>
    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        var ready = new List<List<SpanData>>();
        lock (_lock)
        {
            foreach (var span in batch)
            {
                if (!_pending.TryGetValue(span.TraceId, out var list))
                {
                    list = [];
                    _pending.Add(span.TraceId, list);
                    _order.Add(span.TraceId);
                }

                list.Add(span.Clone());
                _pendingSpans++;
                if (!span.ParentSpanId.IsValid || span.HasRemoteParent)
                {
                    ready.Add(Take(span.TraceId));
                }
            }

            while (_pendingSpans > MaxPendingSpans && _order.Count > 0)
            {
                ready.Add(Take(_order[0]));
            }
        }

        Write(ready);
        return ExportResult.Success;
    }

    /// <inheritdoc/>
    public override bool ForceFlush(TimeSpan timeout)
    {
        List<List<SpanData>> all;
        lock (_lock)
        {
            all = _order.ToList().Select(Take).ToList();
        }

        Write(all);
        return true;
    }

    /// <inheritdoc/>
    public override bool Shutdown(TimeSpan timeout) => ForceFlush(timeout);

    private List<SpanData> Take(TraceId traceId)
    {
        var list = _pending[traceId];
        _pending.Remove(traceId);
        _order.Remove(traceId);
        _pendingSpans -= list.Count;
        return list;
    }

    private void Write(List<List<SpanData>> traces)
    {
        if (traces.Count == 0)
        {
            return;
        }

        var writer = _writer ?? Console.Out;
        foreach (var spans in traces)
        {
            foreach (var trace in Trace.FromSpans(spans))
            {
                lock (writer)
                {
                    writer.WriteLine(WaterfallFormatter.Format(trace, _verbose));
                }
            }
        }

        writer.Flush();
    }
}

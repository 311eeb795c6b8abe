using System;
using System.Collections.Generic;
using System.Linq;

namespace Tracing.Sdk;

/// <summary>
/// The finished spans of one trace id gathered in this process into a tree: roots (spans whose parent is not among
/// them), children in start order, and the OpenTracing <c>FollowsFrom</c> links kept. Built from spans that are safe to
/// keep (copies, such as the in-memory exporter's). The console exporter draws it; tests assert on it.
/// </summary>
public sealed class Trace
{
    private readonly List<TraceNode> _roots;
    private readonly List<TraceNode> _nodes;

    private Trace(TraceId traceId, List<TraceNode> roots, List<TraceNode> nodes)
    {
        TraceId = traceId;
        _roots = roots;
        _nodes = nodes;
        StartTimeUnixNano = nodes.Min(n => n.Span.StartTimeUnixNano);
        EndTimeUnixNano = nodes.Max(n => n.Span.EndTimeUnixNano);
    }

    /// <summary>The trace id.</summary>
    public TraceId TraceId { get; }

    /// <summary>The roots, in start order: usually one, the local root span.</summary>
    public IReadOnlyList<TraceNode> Roots => _roots;

    /// <summary>Every node, depth-first in start order (the order a waterfall draws them).</summary>
    public IReadOnlyList<TraceNode> Nodes => _nodes;

    /// <summary>The earliest start, in Unix nanoseconds.</summary>
    public long StartTimeUnixNano { get; }

    /// <summary>The latest end, in Unix nanoseconds.</summary>
    public long EndTimeUnixNano { get; }

    /// <summary>From the earliest start to the latest end.</summary>
    public TimeSpan Duration => TimeSpan.FromTicks((EndTimeUnixNano - StartTimeUnixNano) / 100);

    /// <summary>The first node (depth-first) whose span has <paramref name="name"/>, or null.</summary>
    /// <param name="name">The span name.</param>
    public TraceNode? Find(string name) => _nodes.FirstOrDefault(n => n.Span.Name == name);

    /// <summary>Groups spans by trace id into trees, traces ordered by their earliest start.</summary>
    /// <param name="spans">Finished spans that are safe to keep.</param>
    public static IReadOnlyList<Trace> FromSpans(IEnumerable<SpanData> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        return spans
            .GroupBy(s => s.TraceId)
            .Select(g => Build(g.Key, g))
            .OrderBy(t => t.StartTimeUnixNano)
            .ToList();
    }

    private static Trace Build(TraceId traceId, IEnumerable<SpanData> spans)
    {
        var ordered = spans.OrderBy(s => s.StartTimeUnixNano).ThenBy(s => s.EndTimeUnixNano).ToList();
        var bySpanId = new Dictionary<SpanId, TraceNode>();
        foreach (var span in ordered)
        {
            bySpanId.TryAdd(span.SpanId, new TraceNode(span));
        }

        var roots = new List<TraceNode>();
        foreach (var span in ordered)
        {
            var node = bySpanId[span.SpanId];
            if (!ReferenceEquals(node.Span, span))
            {
                continue; // A repeated span id: keep the first.
            }

            foreach (var link in span.Links)
            {
                if (link.IsFollowsFrom)
                {
                    node.MutableFollowsFrom.Add(link.Context);
                }
            }

            if (span.ParentSpanId.IsValid && span.ParentSpanId != span.SpanId && bySpanId.TryGetValue(span.ParentSpanId, out var parent))
            {
                node.Parent = parent;
                parent.MutableChildren.Add(node);
            }
            else
            {
                roots.Add(node);
            }
        }

        var nodes = new List<TraceNode>();
        void Walk(TraceNode n)
        {
            nodes.Add(n);
            foreach (var c in n.Children)
            {
                Walk(c);
            }
        }

        foreach (var r in roots)
        {
            Walk(r);
        }

        // Hostile or corrupt input can make parent links form a cycle that no root reaches: cut each such cycle
        // at its earliest span, which becomes a root, so every span is drawn exactly once.
        var seen = new HashSet<TraceNode>(nodes);
        foreach (var span in ordered)
        {
            var node = bySpanId[span.SpanId];
            if (!seen.Contains(node))
            {
                node.Parent?.MutableChildren.Remove(node);
                node.Parent = null;
                roots.Add(node);
                int before = nodes.Count;
                Walk(node);
                seen.UnionWith(nodes.Skip(before));
            }
        }

        return new Trace(traceId, roots, nodes);
    }
}

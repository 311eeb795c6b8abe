using System.Collections.Generic;

namespace Tracing.Sdk;

/// <summary>One span in a <see cref="Trace"/> tree, with its children in start order.</summary>
public sealed class TraceNode
{
    private readonly List<TraceNode> _children = [];
    private readonly List<SpanContext> _followsFrom = [];

    internal TraceNode(SpanData span) => Span = span;

    /// <summary>The span.</summary>
    public SpanData Span { get; }

    /// <summary>The parent node; null for a root of the tree.</summary>
    public TraceNode? Parent { get; internal set; }

    /// <summary>The children, in start order.</summary>
    public IReadOnlyList<TraceNode> Children => _children;

    /// <summary>The contexts this span follows from (OpenTracing <c>FollowsFrom</c> links).</summary>
    public IReadOnlyList<SpanContext> FollowsFrom => _followsFrom;

    /// <summary>How deep the node is: 0 for a root.</summary>
    public int Depth => Parent is null ? 0 : Parent.Depth + 1;

    internal List<TraceNode> MutableChildren => _children;

    internal List<SpanContext> MutableFollowsFrom => _followsFrom;

    /// <summary>For diagnostics.</summary>
    public override string ToString() => Span.Name;
}

using System;

namespace Tracing.Sdk.Sampling;

/// <summary>What a sampler knows about a span that is about to start. Lives on the stack only.</summary>
public readonly ref struct SamplingParameters
{
    /// <summary>Creates sampling parameters.</summary>
    /// <param name="parentContext">The parent's context; invalid for a root span.</param>
    /// <param name="traceId">The trace id the span will have.</param>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="attributes">Attributes given at start.</param>
    /// <param name="links">Links given at start.</param>
    public SamplingParameters(in SpanContext parentContext, TraceId traceId, string name, SpanKind kind, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default)
    {
        ParentContext = parentContext;
        TraceId = traceId;
        Name = name;
        Kind = kind;
        Attributes = attributes;
        Links = links;
    }

    /// <summary>The parent's context; invalid for a root span.</summary>
    public SpanContext ParentContext { get; }

    /// <summary>The trace id the span will have.</summary>
    public TraceId TraceId { get; }

    /// <summary>The span name.</summary>
    public string Name { get; }

    /// <summary>The span kind.</summary>
    public SpanKind Kind { get; }

    /// <summary>Attributes given at start.</summary>
    public ReadOnlySpan<KeyValue> Attributes { get; }

    /// <summary>Links given at start.</summary>
    public ReadOnlySpan<Link> Links { get; }
}

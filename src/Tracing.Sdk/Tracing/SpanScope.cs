using System;

namespace Tracing.Sdk;

/// <summary>
/// Keeps a span current until disposed, then restores the span that was current before (also across <c>await</c>,
/// since the ambient span flows with the execution context). A scope from <see cref="Tracer.StartActiveSpan(string, SpanKind, ReadOnlySpan{KeyValue}, ReadOnlySpan{Link}, DateTimeOffset)"/>
/// also ends its span.
/// </summary>
public readonly struct SpanScope : IDisposable
{
    private readonly AmbientSpan? _previous;
    private readonly AmbientSpan? _mine;
    private readonly bool _endOnDispose;

    internal SpanScope(in Span span, AmbientSpan? previous, AmbientSpan? mine, bool endOnDispose)
    {
        Span = span;
        _previous = previous;
        _mine = mine;
        _endOnDispose = endOnDispose;
    }

    /// <summary>The span this scope made current.</summary>
    public Span Span { get; }

    /// <summary>Restores the previously current span (only if this scope's span is still current) and, if owned, ends the span.</summary>
    public void Dispose()
    {
        if (_mine is not null && ReferenceEquals(AmbientSpan.Current, _mine))
        {
            AmbientSpan.Current = _previous;
        }

        if (_endOnDispose)
        {
            Span.End();
        }
    }
}

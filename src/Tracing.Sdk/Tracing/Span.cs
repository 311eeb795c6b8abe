using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>
/// A handle to a span. Copying it is cheap; every copy refers to the same span. Once the span has ended every method
/// is a no-op, also through a handle kept after its storage was reused for another span. A span that is not recording
/// (not sampled) still carries its <see cref="Context"/>, so it propagates. Disposing a span ends it.
/// A span's setters are meant for one thread at a time; <see cref="End()"/> is safe from any thread and ends it once.
/// </summary>
public readonly struct Span : IDisposable, IEquatable<Span>
{
    private readonly SpanData? _data;
    private readonly int _stamp;
    private readonly SpanContext _context;

    internal Span(SpanData data, int stamp, in SpanContext context)
    {
        _data = data;
        _stamp = stamp;
        _context = context;
    }

    // A non-recording span built from its parts, so a caller needs no SpanContext temporary of its own.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span(TraceId traceId, SpanId spanId, TraceFlags flags, TraceState? traceState)
    {
        _data = null;
        _stamp = 0;
        _context = new SpanContext(traceId, spanId, flags, traceState);
    }

    internal Span(in SpanContext context)
    {
        _data = null;
        _stamp = 0;
        _context = context;
    }

    /// <summary>A span that is not recording and has an invalid context.</summary>
    public static Span Invalid => default;

    /// <summary>A non-recording span that carries <paramref name="context"/>, for example one extracted from headers.</summary>
    /// <param name="context">The context.</param>
    public static Span FromContext(in SpanContext context) => new(context);

    /// <summary>The span's context: its ids, flags and trace state.</summary>
    public SpanContext Context => _context;

    /// <summary>True while the span records: it was sampled (or chosen for recording) and has not ended.</summary>
    public bool IsRecording
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _data is { } d && d.IsLive(_stamp);
    }

    internal SpanData? Data => _data;

    /// <summary>The context by reference, for the tracer reading a parent held in an immutable place.</summary>
    [UnscopedRef]
    internal ref readonly SpanContext ContextRef => ref _context;

    internal SpanData? LiveData => _data is { } d && d.IsLive(_stamp) ? d : null;

    /// <summary>Sets an attribute; a repeated key replaces the earlier value. Strings, booleans, numbers and arrays convert implicitly.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetAttribute(string key, AttributeValue value)
    {
        if (_data is { } d && d.IsLive(_stamp))
        {
            d.SetAttribute(key, value);
        }
    }

    /// <summary>Adds an event now.</summary>
    /// <param name="name">The event name.</param>
    public void AddEvent(string name) => AddEvent(name, default, default);

    /// <summary>Adds an event now, with attributes.</summary>
    /// <param name="name">The event name.</param>
    /// <param name="attributes">The attributes; copied.</param>
    public void AddEvent(string name, ReadOnlySpan<KeyValue> attributes) => AddEvent(name, default, attributes);

    /// <summary>Adds an event at a given time (default: now), with attributes.</summary>
    /// <param name="name">The event name.</param>
    /// <param name="timestamp">When it happened; default means now.</param>
    /// <param name="attributes">The attributes; copied.</param>
    public void AddEvent(string name, DateTimeOffset timestamp, ReadOnlySpan<KeyValue> attributes = default)
    {
        if (_data is { } d && d.IsLive(_stamp))
        {
            d.AddEvent(name, timestamp == default ? Clock.NowUnixNano() : Clock.ToUnixNano(timestamp), attributes);
        }
    }

    /// <summary>Adds a link to another span (for example <see cref="Link.FollowsFrom"/>). Links with an invalid context are ignored.</summary>
    /// <param name="link">The link.</param>
    public void AddLink(in Link link)
    {
        if (_data is { } d && d.IsLive(_stamp))
        {
            d.AddLink(link);
        }
    }

    /// <summary>Sets the status. <see cref="StatusCode.Ok"/> is final; <see cref="StatusCode.Unset"/> is ignored.</summary>
    /// <param name="status">The status.</param>
    public void SetStatus(SpanStatus status)
    {
        if (_data is { } d && d.IsLive(_stamp))
        {
            d.SetStatus(status);
        }
    }

    /// <summary>Sets the status. A description is kept only with <see cref="StatusCode.Error"/>.</summary>
    /// <param name="code">The status code.</param>
    /// <param name="description">A description of the error.</param>
    public void SetStatus(StatusCode code, string? description = null) => SetStatus(new SpanStatus(code, description));

    /// <summary>
    /// Records an exception as an <c>exception</c> event with <c>exception.type</c>, <c>exception.message</c> and
    /// <c>exception.stacktrace</c> (the semantic conventions). The status is not changed: call <see cref="SetStatus(SpanStatus)"/>.
    /// </summary>
    /// <param name="exception">The exception.</param>
    /// <param name="attributes">More attributes for the event.</param>
    public void RecordException(Exception exception, ReadOnlySpan<KeyValue> attributes = default)
    {
        if (exception is null || _data is not { } d || !d.IsLive(_stamp))
        {
            return;
        }

        string stack;
        try
        {
            stack = exception.ToString();
        }
        catch
        {
            stack = exception.StackTrace ?? string.Empty;
        }

        Span<KeyValue> all = new KeyValue[3 + attributes.Length];
        all[0] = new KeyValue("exception.type", exception.GetType().FullName ?? exception.GetType().Name);
        all[1] = new KeyValue("exception.message", exception.Message);
        all[2] = new KeyValue("exception.stacktrace", stack);
        attributes.CopyTo(all[3..]);
        d.AddEvent("exception", Clock.NowUnixNano(), all);
    }

    /// <summary>Renames the span.</summary>
    /// <param name="name">The new name.</param>
    public void UpdateName(string name)
    {
        if (_data is { } d && d.IsLive(_stamp))
        {
            d.UpdateName(name);
        }
    }

    /// <summary>Ends the span now. Later calls, and calls through stale handles, do nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void End() => _data?.TryEnd(_stamp, 0);

    /// <summary>Ends the span at a given time.</summary>
    /// <param name="endTime">The end time.</param>
    public void End(DateTimeOffset endTime) => _data?.TryEnd(_stamp, Clock.ToUnixNano(endTime));

    /// <summary>Ends the span.</summary>
    public void Dispose() => End();

    /// <inheritdoc/>
    public bool Equals(Span other) => ReferenceEquals(_data, other._data) && _stamp == other._stamp && _context.Equals(other._context);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Span other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _context.GetHashCode();

    /// <summary>Equality.</summary>
    public static bool operator ==(Span left, Span right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Span left, Span right) => !left.Equals(right);

    /// <summary>For diagnostics.</summary>
    public override string ToString() => _context.ToString();
}

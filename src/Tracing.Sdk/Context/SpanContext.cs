using System;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>
/// What crosses process boundaries about a span: its trace id, span id, trace flags and trace state,
/// and whether it came from another process. The default value is invalid.
/// </summary>
public readonly struct SpanContext : IEquatable<SpanContext>
{
    /// <summary>Creates a span context.</summary>
    /// <param name="traceId">The trace id.</param>
    /// <param name="spanId">The span id.</param>
    /// <param name="traceFlags">The trace flags.</param>
    /// <param name="traceState">The trace state, or null for none.</param>
    /// <param name="isRemote">Whether the context was extracted from another process.</param>
    public SpanContext(TraceId traceId, SpanId spanId, TraceFlags traceFlags, TraceState? traceState = null, bool isRemote = false)
    {
        TraceId = traceId;
        SpanId = spanId;
        TraceFlags = traceFlags;
        TraceState = traceState is { Count: > 0 } ? traceState : null;
        IsRemote = isRemote;
    }

    /// <summary>The trace id.</summary>
    public TraceId TraceId { get; }

    /// <summary>The span id.</summary>
    public SpanId SpanId { get; }

    /// <summary>The trace flags.</summary>
    public TraceFlags TraceFlags { get; }

    /// <summary>The trace state; null when empty.</summary>
    public TraceState? TraceState { get; }

    /// <summary>Whether the context was extracted from another process.</summary>
    public bool IsRemote { get; }

    /// <summary>Whether both ids are valid (non-zero).</summary>
    public bool IsValid
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TraceId.IsValid && SpanId.IsValid;
    }

    /// <summary>Whether the sampled flag is set.</summary>
    public bool IsSampled => (TraceFlags & TraceFlags.Sampled) != 0;

    /// <summary>
    /// Whether the trace is in debug mode: continued from a B3 <c>X-B3-Flags: 1</c> / <c>b3: …-d</c> or Jaeger debug
    /// context (or a local span below one). Exporters whose format has a debug flag (Zipkin's <c>debug</c>) report it.
    /// </summary>
    public bool IsDebug => DebugMarker.IsSet(TraceState);

    /// <summary>The context with another trace state.</summary>
    /// <param name="traceState">The new trace state.</param>
    public SpanContext WithTraceState(TraceState? traceState) => new(TraceId, SpanId, TraceFlags, traceState, IsRemote);

    /// <inheritdoc/>
    public bool Equals(SpanContext other) =>
        TraceId == other.TraceId && SpanId == other.SpanId && TraceFlags == other.TraceFlags
        && IsRemote == other.IsRemote && string.Equals(TraceState?.ToString(), other.TraceState?.ToString(), StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SpanContext other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TraceId, SpanId, TraceFlags, IsRemote);

    /// <summary>Equality.</summary>
    public static bool operator ==(SpanContext left, SpanContext right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(SpanContext left, SpanContext right) => !left.Equals(right);

    /// <summary>The context as a <c>traceparent</c>-like string, for diagnostics.</summary>
    public override string ToString() => $"{TraceId}-{SpanId}-{(byte)TraceFlags:x2}";
}

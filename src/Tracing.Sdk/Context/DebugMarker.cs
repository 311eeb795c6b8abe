using System;

namespace Tracing.Sdk;

/// <summary>
/// Carries the B3 / Jaeger "debug" decision (force-sample and propagate as debug) inside the process.
/// <para>
/// It lives as a reserved entry of the trace state rather than as an extra <see cref="TraceFlags"/> bit because the
/// trace state is what survives every local hop: a child span inherits its parent's trace state, and when ASP.NET Core
/// or HttpClient create Activities the trace state travels as <c>Activity.TraceStateString</c>, while Activity flags
/// know only "recorded". The entry is a valid W3C member (so every consumer of a trace state accepts it), but it is a
/// local signal: the W3C injector never writes it, and the W3C extractor drops it if a peer sends it.
/// </para>
/// </summary>
internal static class DebugMarker
{
    /// <summary>The reserved trace-state key (a multi-tenant key no vendor owns).</summary>
    public const string Key = "debug@tracing-sdk";

    public const string Value = "1";

    /// <summary>A trace state holding only the marker; shared, as trace states are immutable.</summary>
    public static TraceState Only { get; } = TraceState.Empty.With(Key, Value);

    // A received header the W3C extractor checked needs no search; otherwise the header text is cached by the trace
    // state, and a vectorized substring search rules the marker out quickly, before any member lookup.
    public static bool IsSet(TraceState? state) =>
        state is not null && !state.KnownWithoutDebugMarker
        && state.ToString().Contains(Key, StringComparison.Ordinal) && state.Get(Key) is not null;

    /// <summary>The trace state with the marker added (at the front, as a W3C update).</summary>
    public static TraceState Mark(TraceState? state) =>
        state is not { Count: > 0 } ? Only : IsSet(state) ? state : state.With(Key, Value);

    /// <summary>The trace state without the marker; null when nothing else is left.</summary>
    public static TraceState? Strip(TraceState? state)
    {
        if (!IsSet(state))
        {
            return state;
        }

        var stripped = state!.Without(Key);
        return stripped.Count == 0 ? null : stripped;
    }
}

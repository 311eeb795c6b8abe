using System.Diagnostics;

namespace Tracing.Sdk;

/// <summary>
/// How the core sees <see cref="Activity.Current"/>. Off until a provider bridges Activities, so an application that
/// does not use the bridge pays nothing for it.
/// </summary>
internal static class ActivityInterop
{
    private static volatile bool s_enabled;

    // The bridge's answer to "which span is this Activity tied to?". The core defines this seam and the Activity bridge
    // (Activities/) plugs into it as soon as it is first used (before any tie can exist), so Tracing/ never depends on
    // Activities/. Null means no tie exists. Called only when an Activity is at hand (propagation, or an Activity current
    // that is not the ambient span's own), never on span start or end.
    private static volatile TiedSpanLookup? s_tiedSpan;

    /// <summary>Finds the span an Activity is tied to; false when it has none.</summary>
    internal delegate bool TiedSpanLookup(Activity activity, out Span span);

    /// <summary>Turns on the Activity checks for the rest of the process.</summary>
    public static void Enable() => s_enabled = true;

    /// <summary>The Activity bridge plugs its tie lookup in (once per process, from its static constructor).</summary>
    /// <param name="tiedSpan">How the bridge finds the span tied to an Activity.</param>
    public static void Plug(TiedSpanLookup tiedSpan) => s_tiedSpan = tiedSpan;

    public static bool Enabled => s_enabled;

    public static Span ToSpan(Activity activity)
    {
        if (s_tiedSpan is { } lookup && lookup(activity, out var span))
        {
            return span;
        }

        return Span.FromContext(ContextOf(activity));
    }

    /// <summary>The context of <paramref name="activity"/>: its tied span's when it has one, else the Activity's own ids.</summary>
    public static SpanContext ContextOf(Activity activity)
    {
        if (s_tiedSpan is { } lookup && lookup(activity, out var span))
        {
            return span.Context;
        }

        return OwnContextOf(activity);
    }

    /// <summary>The Activity's own ids, flags and trace state.</summary>
    public static SpanContext OwnContextOf(Activity activity)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C)
        {
            return default;
        }

        var flags = (activity.ActivityTraceFlags & ActivityTraceFlags.Recorded) != 0 ? TraceFlags.Sampled : TraceFlags.None;
        TraceState? state = null;
        if (activity.TraceStateString is { Length: > 0 } ts && TraceState.TryParseHeader(ts, out var parsed))
        {
            state = parsed;
        }

        return new SpanContext(TraceId.FromActivityTraceId(activity.TraceId), SpanId.FromActivitySpanId(activity.SpanId), flags, state, isRemote: false);
    }
}

using System.Diagnostics;

namespace Tracing.Sdk;

/// <summary>
/// How the core sees <see cref="Activity.Current"/>. Off until a provider bridges Activities, so an application that
/// does not use the bridge pays nothing for it.
/// </summary>
internal static class ActivityInterop
{
    private static volatile bool s_enabled;

    /// <summary>Turns on the Activity checks for the rest of the process.</summary>
    public static void Enable() => s_enabled = true;

    public static bool Enabled => s_enabled;


    public static Span ToSpan(Activity activity)
    {
        if (Activities.ActivitySpans.TryGetTie(activity) is { } tie)
        {
            return tie.Span;
        }

        return Span.FromContext(ContextOf(activity));
    }

    /// <summary>The context of <paramref name="activity"/>: its tied span's when it has one, else the Activity's own ids.</summary>
    public static SpanContext ContextOf(Activity activity)
    {
        if (Activities.ActivitySpans.TryGetTie(activity) is { } tie)
        {
            return tie.Span.Context;
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
        if (activity.TraceStateString is { Length: > 0 } ts && TraceState.TryParse(ts, out var parsed))
        {
            state = parsed;
        }

        return new SpanContext(TraceId.FromActivityTraceId(activity.TraceId), SpanId.FromActivitySpanId(activity.SpanId), flags, state, isRemote: false);
    }
}

using System.Diagnostics;
using System.Threading;

namespace Tracing.Sdk;

/// <summary>
/// The value kept in the ambient async-local: an immutable snapshot of the current span's handle. It is a copy rather
/// than the pooled record itself, so an execution context captured by a task that outlives the span can never see the
/// record's next occupant as its parent.
/// </summary>
internal sealed class AmbientSpan
{
    private static readonly AsyncLocal<AmbientSpan?> s_current = new();

    private AmbientSpan(in Span span, Activity? activity)
    {
        Span = span;
        ActivityAtActivation = activity;
    }

    public readonly Span Span;

    /// <summary>
    /// <see cref="Activity.Current"/> when this span was made current. If Activity.Current differs later, an Activity
    /// was started inside this span and is the innermost one.
    /// </summary>
    public readonly Activity? ActivityAtActivation;

    public static AmbientSpan? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    public static AmbientSpan Activate(in Span span)
    {
        var ambient = new AmbientSpan(span, ActivityInterop.Enabled ? Activity.Current : null);
        s_current.Value = ambient;
        return ambient;
    }
}

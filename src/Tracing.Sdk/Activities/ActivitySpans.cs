using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Tracing.Sdk.Sampling;

namespace Tracing.Sdk.Activities;

/// <summary>
/// Ties <see cref="Activity"/> objects to spans, so that Activities and spans form one tree. Instrumentations call it
/// when a library starts an Activity they record (an incoming or outgoing request); <c>AddSource</c> uses it for
/// every Activity it bridges.
/// </summary>
/// <remarks>
/// <para>
/// Design. A tied Activity and its span share one span id, and the span's context is the truth: whatever asks the SDK
/// about an Activity (<see cref="Tracer.CurrentSpan"/>, the parent of a new span, the propagators) gets its span's
/// context. A tie to an arbitrary Activity lives in a <see cref="ConditionalWeakTable{TKey, TValue}"/> keyed by the
/// Activity, so an Activity that never stops is collected with its tie and nothing leaks. The request Activities the
/// framework always stops (the hosting layer's <c>Microsoft.AspNetCore.Hosting.HttpRequestIn</c>, HttpClient's
/// <c>System.Net.Http.HttpRequestOut</c>) are tied in a plain map while they run, without the weak table's GC handle per
/// Activity; their instrumentations detach them when they stop. The map never holds ties without bound: past a few
/// thousand, ties of stopped Activities are dropped and the others move to the weak table.
/// </para>
/// <para>
/// The other direction: an Activity started while one of our spans is the innermost current span takes its parent from
/// <see cref="Activity.Current"/>, which does not know our span. Elastic's agent avoids that by starting an Activity of
/// its own for each transaction and adopting its ids, so <see cref="Activity.Current"/> is coherent by construction, at
/// the price of one more object and one more async-local write per active span. This SDK sets the parent explicitly instead: <see cref="ParentOf(Activity, out TracerProvider?)"/>
/// sees that our span is innermost (the Activity's parent is the one that was current when our span was activated) and
/// names our span as the parent; and a root Activity started there takes our span's trace id through
/// <see cref="Activity.TraceIdGenerator"/>, so even the Activity object (read by loggers) carries the right trace id.
/// </para>
/// </remarks>
public static class ActivitySpans
{
    private static readonly object s_generatorLock = new();
    private static bool s_generatorInstalled;
    private static Func<ActivityTraceId>? s_previousGenerator;

    // The root trace id GenerateTraceId last made on this thread, as ours and as the hex string the Activity keeps: a
    // root Activity started on this thread holds that very string, so StartSpan takes the id from here (a reference
    // compare) instead of parsing 32 hex digits back, which the web benchmark's profile showed in every root request.
    [ThreadStatic]
    private static string? t_generatedHex;

    [ThreadStatic]
    private static TraceId t_generated;

    // Plugs the tie lookup into the core's seam before any tie can be made (every tie is made through this class, so
    // it is initialised first): the core finds an Activity's span without referring to this folder.
    static ActivitySpans() => ActivityInterop.Plug(TryGetSpan);

    /// <summary>The span tied to <paramref name="activity"/>, if any.</summary>
    /// <param name="activity">The Activity.</param>
    /// <param name="span">The tied span (possibly not recording), or <see cref="Span.Invalid"/>.</param>
    public static bool TryGetSpan(Activity activity, out Span span)
    {
        if (activity is not null && ActivityTies.TryGetValue(activity, out var tie))
        {
            span = tie.Span;
            return true;
        }

        span = default;
        return false;
    }

    /// <summary>The span tied to <paramref name="activity"/> and the provider that recorded it, if any.</summary>
    /// <param name="activity">The Activity.</param>
    /// <param name="span">The tied span (possibly not recording), or <see cref="Span.Invalid"/>.</param>
    /// <param name="owner">The provider given when the tie was made, or null.</param>
    public static bool TryGetSpan(Activity activity, out Span span, out TracerProvider? owner)
    {
        if (activity is not null && ActivityTies.TryGetValue(activity, out var tie))
        {
            span = tie.Span;
            owner = tie.Owner;
            return true;
        }

        span = default;
        owner = null;
        return false;
    }

    /// <summary>
    /// Ties <paramref name="activity"/> to <paramref name="span"/> until the Activity is collected or
    /// <see cref="Detach(Activity)"/> is called (for the framework's request Activities, <c>HttpRequestIn</c> and
    /// <c>HttpRequestOut</c>, also once the Activity has stopped); the first tie wins. Use it to make an Activity stand for a span that
    /// is not its own, for example for a request that an instrumentation filtered out but whose caller's context must
    /// still reach the calls it makes. The span is not ended by the tie.
    /// </summary>
    /// <param name="activity">The Activity.</param>
    /// <param name="span">The span it stands for.</param>
    /// <param name="owner">The provider responsible for the Activity's span, or null.</param>
    /// <returns>False when the Activity was already tied.</returns>
    public static bool Attach(Activity activity, in Span span, TracerProvider? owner)
    {
        if (activity is null || !span.Context.IsValid)
        {
            return false;
        }

        EnableInterop();
        return ActivityTies.TryAdd(activity, new ActivityTie(span, owner));
    }

    /// <summary>Removes the tie of <paramref name="activity"/> (when it stopped and its span ended).</summary>
    /// <param name="activity">The Activity.</param>
    public static void Detach(Activity activity)
    {
        if (activity is not null)
        {
            ActivityTies.Remove(activity);
        }
    }

    /// <summary>
    /// The parent a span for <paramref name="activity"/> should have: our innermost span when the Activity started
    /// inside it, else the span tied to the Activity's parent, else the Activity's parent ids (remote or local).
    /// </summary>
    /// <param name="activity">An Activity that has started.</param>
    /// <param name="owner">The provider that recorded the parent, or null when none did (or it is unknown).</param>
    public static SpanContext ParentOf(Activity activity, out TracerProvider? owner)
    {
        owner = null;
        if (activity is null)
        {
            return default;
        }

        var ambient = AmbientSpan.Current;
        var parentActivity = activity.Parent;
        if (parentActivity is null && activity.ParentSpanId != default)
        {
            // An explicit parent: from another process, or Activity.Current's ids passed by value.
            var explicitParent = ambient?.ActivityAtActivation;
            bool isAmbientsActivity = explicitParent is not null
                && explicitParent.SpanId == activity.ParentSpanId && explicitParent.TraceId == activity.TraceId;
            if (!isAmbientsActivity)
            {
                var flags = (activity.ActivityTraceFlags & ActivityTraceFlags.Recorded) != 0 ? TraceFlags.Sampled : TraceFlags.None;
                TraceState? state = activity.TraceStateString is { Length: > 0 } ts && TraceState.TryParseHeader(ts, out var parsed) ? parsed : null;
                return new SpanContext(TraceId.FromActivityTraceId(activity.TraceId), SpanId.FromActivitySpanId(activity.ParentSpanId), flags, state, activity.HasRemoteParent);
            }

            parentActivity = explicitParent;
        }

        if (ambient is not null && ambient.Span.Context.IsValid && ReferenceEquals(parentActivity, ambient.ActivityAtActivation))
        {
            owner = ambient.Span.LiveData?.Provider;
            return ambient.Span.Context;
        }

        if (parentActivity is null)
        {
            return default;
        }

        if (ActivityTies.TryGetValue(parentActivity, out var tie))
        {
            owner = tie.Owner;
            return tie.Span.Context;
        }

        return ActivityInterop.OwnContextOf(parentActivity);
    }

    /// <summary>
    /// Starts a span for <paramref name="activity"/> (which has started) and ties them: the span takes the Activity's
    /// span id and start time, the trace id of <paramref name="parent"/> (or the Activity's for a root), and our
    /// sampler's decision. Returns a non-recording span when the sampler drops it; the tie is made either way.
    /// </summary>
    /// <param name="tracer">The tracer (instrumentation scope) to record with.</param>
    /// <param name="activity">The Activity.</param>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="parent">The parent, usually from <see cref="ParentOf(Activity, out TracerProvider?)"/>.</param>
    /// <param name="attributes">Attributes known at start; the sampler sees them.</param>
    public static Span StartSpan(Tracer tracer, Activity activity, string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes = default)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        ArgumentNullException.ThrowIfNull(activity);
        var provider = tracer.Provider;
        TraceId traceId = parent.IsValid ? parent.TraceId : TraceIdOf(activity);
        if (!traceId.IsValid)
        {
            traceId = provider.IdGenerator.NewTraceId();
        }

        var sampling = provider.Sampler.ShouldSample(new SamplingParameters(parent, traceId, name, kind, attributes));
        var span = tracer.StartSampled(name, kind, parent, traceId, SpanIdOf(activity, provider), sampling, attributes, default, StartTimeOf(activity));
        Attach(activity, span, provider);
        MirrorDecision(activity, span);
        return span;
    }

    /// <summary>
    /// Copies what code wrote on <paramref name="activity"/> while it ran — tags, events (<c>AddException</c>
    /// included), links and status — onto <paramref name="span"/>, its tied span, before the caller ends it. This is
    /// what makes <see cref="Activity.Current"/> a window onto the span: middleware and libraries that enrich
    /// <c>Activity.Current</c> enrich the exported span. Call it when the Activity stops, then set what the
    /// instrumentation itself knows (its values win over a tag of the same name). Does nothing for a span that is not
    /// recording.
    /// </summary>
    /// <param name="activity">The Activity, stopped or stopping.</param>
    /// <param name="span">The span tied to it.</param>
    /// <param name="ignoreTag">Tags the caller translates itself (the library's own), or null to copy every tag.</param>
    /// <param name="takeExceptionEvents">
    /// False for an instrumentation that records a failure's exception itself (and honours its own option for it), when
    /// the library also adds an <c>exception</c> event to its Activity: one event per failure.
    /// </param>
    public static void CopyActivityData(Activity activity, in Span span, Func<string, bool>? ignoreTag = null, bool takeExceptionEvents = true)
    {
        if (activity is null || span.LiveData is not { } data)
        {
            return;
        }

        ActivityConversion.CopyAtStop(activity, data, takeName: false, ignoreTag, takeExceptionEvents);
    }

    // Recorded and IsAllDataRequested say what our sampler said, so code that asks Activity.Current whether the work
    // is sampled (or skips enrichment when it is not) gets our answer, and a log scope's trace flags match the span's.
    private static void MirrorDecision(Activity activity, in Span span)
    {
        if (!span.Context.IsValid)
        {
            return;
        }

        bool sampled = (span.Context.TraceFlags & TraceFlags.Sampled) != 0;
        activity.ActivityTraceFlags = sampled
            ? activity.ActivityTraceFlags | ActivityTraceFlags.Recorded
            : activity.ActivityTraceFlags & ~ActivityTraceFlags.Recorded;
        activity.IsAllDataRequested = span.IsRecording;
    }

    /// <summary>
    /// Whether the innermost current span is one of ours rather than an Activity: true inside
    /// <see cref="Tracer.StartActiveSpan(string, SpanKind, ReadOnlySpan{KeyValue}, ReadOnlySpan{Link}, DateTimeOffset)"/>
    /// or <see cref="Tracer.WithSpan(in Span)"/> when no Activity started inside it; false when
    /// <see cref="Activity.Current"/> is the innermost (or nothing is current). Log scope providers use it to name the
    /// span a log record belongs to without an Activity per span.
    /// </summary>
    /// <param name="context">Our innermost span's context.</param>
    /// <param name="parentSpanId">Its parent's span id while the span records; zero for a span that does not record.</param>
    public static bool TryGetInnermostSpan(out SpanContext context, out SpanId parentSpanId)
    {
        var ambient = AmbientSpan.Current;
        if (ambient is null || !ambient.Span.Context.IsValid
            || (ActivityInterop.Enabled && Activity.Current is { } activity && !ReferenceEquals(activity, ambient.ActivityAtActivation)))
        {
            context = default;
            parentSpanId = default;
            return false;
        }

        context = ambient.Span.Context;
        parentSpanId = ambient.Span.LiveData?.ParentSpanId ?? default;
        return true;
    }

    /// <summary>
    /// Completes a deferred sampling decision (<see cref="SamplingResult.Deferred"/>) for the span tied to
    /// <paramref name="activity"/>: the provider's sampler is asked again with <paramref name="attributes"/> (which
    /// should repeat the start attributes and add what is now known, such as <c>http.route</c>). When it says
    /// sample, the span, its Activity and its tie become sampled, so spans started under it from now on follow; any
    /// other answer leaves the span recorded but unsampled, and it is never exported. Does nothing (and returns the
    /// tied span) when the span's decision was not deferred. Call it before the handler starts child spans — the
    /// ASP.NET Core instrumentation calls it when routing has chosen the endpoint.
    /// </summary>
    /// <param name="activity">The Activity the span is tied to.</param>
    /// <param name="name">The span name as it is now known.</param>
    /// <param name="attributes">What the sampler sees: the start attributes and the late ones.</param>
    /// <returns>The span after the decision, or <see cref="Span.Invalid"/> when no span is tied.</returns>
    public static Span CompleteSampling(Activity activity, string name, ReadOnlySpan<KeyValue> attributes)
    {
        if (activity is null || !ActivityTies.TryGetValue(activity, out var tie))
        {
            return default;
        }

        var span = tie.Span;
        if (span.LiveData is not { SamplingDeferred: true } data || data.Provider is not { } provider)
        {
            return span;
        }

        data.SamplingDeferred = false;
        var context = span.Context;
        SpanContext parent = data.ParentSpanId.IsValid
            ? new SpanContext(context.TraceId, data.ParentSpanId, data.DeferredParentFlags, context.TraceState, data.HasRemoteParent)
            : default;
        var sampling = provider.Sampler.ShouldSample(new SamplingParameters(parent, context.TraceId, name ?? data.Name, data.Kind, attributes));
        if (sampling.Decision != SamplingDecision.RecordAndSample)
        {
            return span;
        }

        var sampled = new SpanContext(context.TraceId, context.SpanId, context.TraceFlags | TraceFlags.Sampled, sampling.TraceState ?? context.TraceState);
        data.PromoteToSampled(sampled);
        var promoted = new Span(data, data.LiveStamp, sampled);
        ActivityTies.Set(activity, new ActivityTie(promoted, tie.Owner));
        activity.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        if (sampled.TraceState is { } state)
        {
            activity.TraceStateString = state.ToString();
        }

        return promoted;
    }

    internal static ActivityTie? TryGetTie(Activity activity) => ActivityTies.TryGetValue(activity, out var tie) ? tie : null;

    // The Activity's trace id as ours: the id GenerateTraceId just made on this thread when the Activity carries it.
    private static TraceId TraceIdOf(Activity activity)
    {
        var id = activity.TraceId;
        return ReferenceEquals(id.ToHexString(), t_generatedHex) ? t_generated : TraceId.FromActivityTraceId(id);
    }

    internal static SpanId SpanIdOf(Activity activity, TracerProvider provider)
    {
        var id = activity.IdFormat == ActivityIdFormat.W3C ? SpanId.FromActivitySpanId(activity.SpanId) : default;
        return id.IsValid ? id : provider.IdGenerator.NewSpanId();
    }

    internal static long StartTimeOf(Activity activity)
        => activity.StartTimeUtc == default ? 0 : (activity.StartTimeUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    internal static long EndTimeOf(Activity activity)
        => activity.Duration == TimeSpan.Zero ? 0 : (activity.StartTimeUtc.Ticks + activity.Duration.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Turns on the core's Activity checks and installs the trace id hand-off, once per process.</summary>
    internal static void EnableInterop()
    {
        if (ActivityInterop.Enabled && s_generatorInstalled)
        {
            return;
        }

        lock (s_generatorLock)
        {
            if (!s_generatorInstalled)
            {
                // Chain to a generator someone else installed, so this stays polite to other SDKs in the process.
                s_previousGenerator = Activity.TraceIdGenerator;
                Activity.TraceIdGenerator = GenerateTraceId;
                s_generatorInstalled = true;
            }

            ActivityInterop.Enable();
        }
    }

    // Called by the runtime while a root Activity is being created, before it becomes Activity.Current: when our span
    // is the innermost current span, the Activity is really its child, so it must carry our trace id.
    private static ActivityTraceId GenerateTraceId()
    {
        var ambient = AmbientSpan.Current;
        if (ambient is not null && ambient.Span.Context.IsValid && ReferenceEquals(Activity.Current, ambient.ActivityAtActivation))
        {
            return ambient.Span.Context.TraceId.ToActivityTraceId();
        }

        if (s_previousGenerator is { } previous)
        {
            return previous();
        }

        // A random id, as ActivityTraceId.CreateRandom would make (whose cost, random bytes to a hex string, this
        // matches), remembered as ours for StartSpan.
        var traceId = RandomIdGenerator.NextTraceId();
        var generated = traceId.ToActivityTraceId();
        t_generated = traceId;
        t_generatedHex = generated.ToHexString();
        return generated;
    }
}

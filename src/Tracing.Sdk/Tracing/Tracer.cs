using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Sampling;

namespace Tracing.Sdk;

/// <summary>
/// Starts spans for one instrumentation scope (a library name and version). Get one from
/// <see cref="TracerProvider.GetTracer(string, string?)"/>. Thread-safe; never throws into the caller for bad input.
/// </summary>
public sealed class Tracer
{
    private readonly TracerProvider _provider;
    private readonly ReportGate _unsampledParentReport = new();

    internal Tracer(TracerProvider provider, InstrumentationScope scope)
    {
        _provider = provider;
        Scope = scope;
    }

    /// <summary>The instrumentation scope stamped on every span of this tracer.</summary>
    public InstrumentationScope Scope { get; }

    /// <summary>The provider this tracer belongs to.</summary>
    public TracerProvider Provider => _provider;

    /// <summary>
    /// The innermost current span of this execution flow: ours, or a bridged <see cref="Activity"/> started inside it.
    /// <see cref="Span.Invalid"/> when there is none. Follows <c>await</c>, <c>Task.Run</c> and thread-pool hops.
    /// </summary>
    public static Span CurrentSpan
    {
        get
        {
            var ambient = AmbientSpan.Current;
            if (ActivityInterop.Enabled && Activity.Current is { } activity && !ReferenceEquals(activity, ambient?.ActivityAtActivation))
            {
                return ActivityInterop.ToSpan(activity);
            }

            return ambient is null ? default : ambient.Span;
        }
    }

    /// <summary>Makes <paramref name="span"/> current until the returned scope is disposed; the span is not ended by the scope.</summary>
    /// <param name="span">The span to make current.</param>
    public static SpanScope WithSpan(in Span span)
    {
        var previous = AmbientSpan.Current;
        var mine = AmbientSpan.Activate(span);
        return new SpanScope(span, previous, mine, endOnDispose: false);
    }

    /// <summary>Starts a span whose parent is the current span (<see cref="CurrentSpan"/>), or a new trace when there is none.</summary>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="attributes">Attributes known at start (samplers see them).</param>
    /// <param name="links">Links known at start (samplers see them).</param>
    /// <param name="startTime">The start time; default means now.</param>
    public Span StartSpan(string name, SpanKind kind = SpanKind.Internal, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default, DateTimeOffset startTime = default)
        => StartChildOfCurrent(name, kind, attributes, links, startTime);

    /// <summary>Starts a child of <paramref name="parent"/>; an invalid parent starts a new trace.</summary>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="parent">The parent context, local or remote.</param>
    /// <param name="attributes">Attributes known at start.</param>
    /// <param name="links">Links known at start.</param>
    /// <param name="startTime">The start time; default means now.</param>
    public Span StartSpan(string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default, DateTimeOffset startTime = default)
        => Start(name, kind, parent, attributes, links, startTime);

    /// <summary>Starts a child of <paramref name="parent"/>.</summary>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="parent">The parent span.</param>
    /// <param name="attributes">Attributes known at start.</param>
    /// <param name="links">Links known at start.</param>
    /// <param name="startTime">The start time; default means now.</param>
    public Span StartSpan(string name, SpanKind kind, in Span parent, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default, DateTimeOffset startTime = default)
        => Start(name, kind, parent.Context, attributes, links, startTime);

    /// <summary>Starts a span in a new trace, ignoring the current span.</summary>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="attributes">Attributes known at start.</param>
    /// <param name="links">Links known at start.</param>
    /// <param name="startTime">The start time; default means now.</param>
    public Span StartRootSpan(string name, SpanKind kind = SpanKind.Internal, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default, DateTimeOffset startTime = default)
        => Start(name, kind, default, attributes, links, startTime);

    /// <summary>Starts a child of the current span and makes it current; disposing the scope ends it and restores the previous span.</summary>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="attributes">Attributes known at start.</param>
    /// <param name="links">Links known at start.</param>
    /// <param name="startTime">The start time; default means now.</param>
    public SpanScope StartActiveSpan(string name, SpanKind kind = SpanKind.Internal, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default, DateTimeOffset startTime = default)
        => Activate(StartChildOfCurrent(name, kind, attributes, links, startTime));

    /// <summary>Starts a child of <paramref name="parent"/> and makes it current; disposing the scope ends it and restores the previous span.</summary>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="parent">The parent context, local or remote.</param>
    /// <param name="attributes">Attributes known at start.</param>
    /// <param name="links">Links known at start.</param>
    /// <param name="startTime">The start time; default means now.</param>
    public SpanScope StartActiveSpan(string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default, DateTimeOffset startTime = default)
        => Activate(Start(name, kind, parent, attributes, links, startTime));

    /// <summary>Starts a child of <paramref name="parent"/> and makes it current.</summary>
    /// <param name="name">The span name.</param>
    /// <param name="kind">The span kind.</param>
    /// <param name="parent">The parent span.</param>
    /// <param name="attributes">Attributes known at start.</param>
    /// <param name="links">Links known at start.</param>
    /// <param name="startTime">The start time; default means now.</param>
    public SpanScope StartActiveSpan(string name, SpanKind kind, in Span parent, ReadOnlySpan<KeyValue> attributes = default, ReadOnlySpan<Link> links = default, DateTimeOffset startTime = default)
        => Activate(Start(name, kind, parent.Context, attributes, links, startTime));

    private static SpanScope Activate(in Span span)
    {
        var previous = AmbientSpan.Current;
        var mine = AmbientSpan.Activate(span);
        return new SpanScope(span, previous, mine, endOnDispose: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static SpanContext AmbientParent() => CurrentSpan.Context;

    // Call-site independence. Every public start method is a one-call forwarder, and the work sits behind two
    // NoInlining entries (child of the current span, child of a given parent). So a call site compiles to the same
    // single call whether or not the JIT still had inline budget left there: measured before, the same unsampled span
    // cost 21 ns from a direct call and 55-65 ns from a small forced-inline helper, where the budget ran out and a
    // forced-inline body of ~180 IL bytes was called out of line with ten arguments. The entries' own bodies stay
    // small (the common samplers are decided without a virtual call and without building SamplingParameters; every
    // other sampler, custom id generators and the recording half are further out-of-line calls), so their frames are
    // small and the one call is cheap.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal Span Start(string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
    {
        var p = _provider;
        int rule = p.SamplingShortcut;
        if (rule == SamplingShortcut.None)
        {
            return StartWithSampler(name, kind, parent, attributes, links, startTime);
        }

        return parent.IsValid ? StartChild(p, rule, name, kind, parent, attributes, links, startTime) : StartRoot(p, rule, name, kind, attributes, links, startTime);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span StartChildOfCurrent(string name, SpanKind kind, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
    {
        // CurrentSpan's rule, taken apart so that the common cases copy no span handle: no current span (a root), or
        // our own span innermost. An Activity started inside our span (or current without one) goes the long way.
        var ambient = AmbientSpan.Current;
        if (ActivityInterop.Enabled && Activity.Current is { } activity && !ReferenceEquals(activity, ambient?.ActivityAtActivation))
        {
            return StartChildOfActivity(activity, name, kind, attributes, links, startTime);
        }

        var p = _provider;
        int rule = p.SamplingShortcut;
        if (rule == SamplingShortcut.None)
        {
            return StartChildOfAmbient(ambient, name, kind, attributes, links, startTime);
        }

        if (ambient is not null)
        {
            // In place: the ambient snapshot is immutable, so no copy of its context is needed (nor zeroed).
            ref readonly SpanContext parent = ref ambient.Span.ContextRef;
            if (parent.IsValid)
            {
                return StartChild(p, rule, name, kind, parent, attributes, links, startTime);
            }
        }

        return StartRoot(p, rule, name, kind, attributes, links, startTime);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span StartChildOfAmbient(AmbientSpan? ambient, string name, SpanKind kind, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
        => StartWithSampler(name, kind, ambient is null ? default : ambient.Span.Context, attributes, links, startTime);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span StartChildOfActivity(Activity activity, string name, SpanKind kind, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
        => Start(name, kind, ActivityInterop.ToSpan(activity).Context, attributes, links, startTime);

    // The two bodies below serve the common samplers (AlwaysOn, AlwaysOff, ParentBased over them with the default
    // parent cases) with the built-in random ids: the decision is one bit of the provider's rule (see SamplingShortcut),
    // the same one the sampler would return, and such a sampler adds no trace state and no attributes, so no
    // SamplingParameters or SamplingResult is built. They hold no struct with a reference in a local of their own and
    // pass the recording half plain values: every such local is zeroed by the prolog of the entry they are inlined into,
    // a cost the unsampled span would pay too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span StartRoot(TracerProvider p, int rule, string name, SpanKind kind, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
    {
        bool sampled = (rule & 1) != 0;
        RandomIdGenerator.NextIds(out var traceId, out var spanId);
        var flags = sampled ? TraceFlags.Random | TraceFlags.Sampled : TraceFlags.Random;
        if (!sampled || p.IsShutdown)
        {
            return new Span(traceId, spanId, flags, null);
        }

        return StartRecording(p, name, kind, traceId, spanId, flags, null, default, false, attributes, links, startTime);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span StartChild(TracerProvider p, int rule, string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
    {
        bool parentSampled = parent.IsSampled;
        bool sampled = ((rule >> (parentSampled ? SamplingShortcut.SampledParentShift : SamplingShortcut.UnsampledParentShift)) & 1) != 0;
        var flags = parent.TraceFlags & TraceFlags.Random;
        if (sampled)
        {
            flags |= TraceFlags.Sampled;
        }

        var spanId = RandomIdGenerator.NextSpanId();
        if (!sampled || p.IsShutdown)
        {
            if (!parentSampled && SdkEventSource.Log.IsEnabled())
            {
                ReportUnsampledParent(name ?? string.Empty);
            }

            return new Span(parent.TraceId, spanId, flags, parent.TraceState);
        }

        return StartRecording(p, name, kind, parent.TraceId, spanId, flags, parent.TraceState, parent.SpanId, parent.IsRemote, attributes, links, startTime);
    }

    // The recording half of the common samplers' path.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span StartRecording(
        TracerProvider p,
        string name,
        SpanKind kind,
        TraceId traceId,
        SpanId spanId,
        TraceFlags flags,
        TraceState? traceState,
        SpanId parentSpanId,
        bool hasRemoteParent,
        ReadOnlySpan<KeyValue> attributes,
        ReadOnlySpan<Link> links,
        DateTimeOffset startTime)
    {
        var context = new SpanContext(traceId, spanId, flags, traceState);
        return Record(p, name ?? string.Empty, kind, context, parentSpanId, hasRemoteParent, default, attributes, links, startTime == default ? 0 : Clock.ToUnixNano(startTime), deferred: false, samplerAttributes: null);
    }

    // Any other sampler or id generator: out of line, so the entries above keep a small frame (SamplingParameters and
    // SamplingResult are large structs) for the common samplers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span StartWithSampler(string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
    {
        var p = _provider;
        var ids = p.IdGenerator;
        name ??= string.Empty;

        bool hasParent = parent.IsValid;
        bool defaultIds = p.DefaultIds;
        TraceId traceId = hasParent ? parent.TraceId : defaultIds ? RandomIdGenerator.NextTraceId() : ids.NewTraceId();
        var sampling = p.Sampler.ShouldSample(new SamplingParameters(parent, traceId, name, kind, attributes, links));
        SpanId spanId = defaultIds ? RandomIdGenerator.NextSpanId() : ids.NewSpanId();
        return StartSampled(name, kind, parent, traceId, spanId, sampling, attributes, links, startTime == default ? 0 : Clock.ToUnixNano(startTime));
    }

    /// <summary>
    /// Starts a span whose ids the caller chose and whose sampling decision is already made. The Activity bridge uses
    /// it so that a span and its Activity share one span id: whatever reads either one sees the same operation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span StartSampled(string name, SpanKind kind, in SpanContext parent, TraceId traceId, SpanId spanId, in SamplingResult sampling, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, long startUnixNano)
    {
        var p = _provider;
        name ??= string.Empty;
        bool hasParent = parent.IsValid;

        TraceFlags flags = hasParent ? parent.TraceFlags & TraceFlags.Random : (p.RandomTraceIds ? TraceFlags.Random : TraceFlags.None);
        if (sampling.Decision == SamplingDecision.RecordAndSample)
        {
            flags |= TraceFlags.Sampled;
        }

        var context = new SpanContext(traceId, spanId, flags, sampling.TraceState ?? parent.TraceState);
        if (sampling.Decision == SamplingDecision.Drop || p.IsShutdown)
        {
            if (hasParent && !parent.IsSampled && SdkEventSource.Log.IsEnabled())
            {
                ReportUnsampledParent(name);
            }

            return new Span(context);
        }

        bool hasRemoteParent = hasParent && parent.IsRemote;
        return StartRecording(p, name, kind, context, hasParent ? parent.SpanId : default, hasRemoteParent, parent.TraceFlags, attributes, links, startUnixNano, sampling.IsDeferred, sampling.Attributes);
    }

    // Out of line and rate-limited (one event per tracer a minute): only reached while someone listens to the SDK's
    // EventSource (and only under an unsampled parent), so the span path pays one enabled-check. Kept out of the entries'
    // bodies so their frames stay small.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReportUnsampledParent(string name)
    {
        if (_unsampledParentReport.TryEnter())
        {
            SdkEventSource.Log.SpanNotRecordedParentNotSampled(name, Scope.Name, _provider.Sampler.Description);
        }
    }

    // The recording half of StartSampled, kept out of line: inlined, its struct temporaries made the start entries'
    // frames ~700 bytes, all zeroed on entry — paid by every unsampled span too.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span StartRecording(
        TracerProvider p,
        string name,
        SpanKind kind,
        in SpanContext context,
        SpanId parentSpanId,
        bool hasRemoteParent,
        TraceFlags parentFlags,
        ReadOnlySpan<KeyValue> attributes,
        ReadOnlySpan<Link> links,
        long startUnixNano,
        bool deferred,
        KeyValue[]? samplerAttributes)
        => Record(p, name, kind, context, parentSpanId, hasRemoteParent, parentFlags, attributes, links, startUnixNano, deferred, samplerAttributes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span Record(
        TracerProvider p,
        string name,
        SpanKind kind,
        in SpanContext context,
        SpanId parentSpanId,
        bool hasRemoteParent,
        TraceFlags parentFlags,
        ReadOnlySpan<KeyValue> attributes,
        ReadOnlySpan<Link> links,
        long startUnixNano,
        bool deferred,
        KeyValue[]? samplerAttributes)
    {
        var thread = ProducerThread.Current;
        thread.Counts.CountStarted();
        var data = thread.Pool.Rent();
        int stamp = data.LiveStamp;
        data.Start(p, Scope, name, kind, context, parentSpanId, hasRemoteParent, startUnixNano == 0 ? Clock.NowUnixNano() : startUnixNano);

        // A deferred decision (the sampler waits for the route): recorded now, sampled or not once it is completed.
        // Here, out of line, so the unsampled path above does not carry it.
        if (deferred)
        {
            data.SamplingDeferred = true;
            data.DeferredParentFlags = parentFlags;
        }

        for (int i = 0; i < attributes.Length; i++)
        {
            data.SetAttribute(attributes[i].Key, attributes[i].Value);
        }

        if (samplerAttributes is { } extra)
        {
            foreach (var kv in extra)
            {
                data.SetAttribute(kv.Key, kv.Value);
            }
        }

        for (int i = 0; i < links.Length; i++)
        {
            data.AddLink(links[i]);
        }

        if (p.HasStartProcessors)
        {
            p.OnStart(data);
        }

        return new Span(data, stamp, context);
    }
}

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

    // The two entries below are left to the JIT. Marking them NoInlining (each its own root, so a caller that had spent
    // its inline budget could not push StartSampled out of line) made every call site pay one call: measured on the
    // same machine, an unsampled span from a direct call went from 50 ns to 72 ns (SpanBenchmarks). Call-site
    // independence needs a cheaper shape than that (CallSiteBenchmarks measures it); until then the direct call keeps
    // its speed.
    internal Span Start(string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
        => StartCore(name, kind, parent, attributes, links, startTime);

    private Span StartChildOfCurrent(string name, SpanKind kind, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
        => StartCore(name, kind, AmbientParent(), attributes, links, startTime);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span StartCore(string name, SpanKind kind, in SpanContext parent, ReadOnlySpan<KeyValue> attributes, ReadOnlySpan<Link> links, DateTimeOffset startTime)
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
            if (hasParent && SdkEventSource.Log.IsEnabled())
            {
                ReportUnsampledParent(parent, name);
            }

            return new Span(context);
        }

        return StartRecording(p, name, kind, context, hasParent ? parent.SpanId : default, hasParent && parent.IsRemote, parent.TraceFlags, attributes, links, startUnixNano, sampling);
    }

    // Out of line and rate-limited (one event per tracer a minute): only reached while someone listens to the SDK's
    // EventSource, so the span path pays one enabled-check. Everything else is in here: StartSampled must stay small
    // enough to be inlined into the start entries (the JIT's budget), or every span pays a ten-argument call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReportUnsampledParent(in SpanContext parent, string name)
    {
        if (!parent.IsSampled && _unsampledParentReport.TryEnter())
        {
            SdkEventSource.Log.SpanNotRecordedParentNotSampled(name, Scope.Name, _provider.Sampler.Description);
        }
    }

    // The recording half of Start, kept out of line: inlined, its struct temporaries made Start's frame ~700 bytes, all
    // zeroed on entry — paid by every unsampled span too.
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
        in SamplingResult sampling)
    {
        ThreadSpanCounts.Current.CountStarted();
        var data = SpanDataPool.Rent();
        int stamp = data.LiveStamp;
        data.Start(p, Scope, name, kind, context, parentSpanId, hasRemoteParent, startUnixNano == 0 ? Clock.NowUnixNano() : startUnixNano);

        // A deferred decision (the sampler waits for the route): recorded now, sampled or not once it is completed.
        // Here, out of line, so the unsampled path above does not carry it.
        if (sampling.IsDeferred)
        {
            data.SamplingDeferred = true;
            data.DeferredParentFlags = parentFlags;
        }

        for (int i = 0; i < attributes.Length; i++)
        {
            data.SetAttribute(attributes[i].Key, attributes[i].Value);
        }

        if (sampling.Attributes is { } extra)
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

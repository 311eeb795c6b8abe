using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using Tracing.Sdk.Diagnostics;
using Tracing.Sdk.Sampling;

namespace Tracing.Sdk.Activities;

/// <summary>
/// Records Activities of the chosen ActivitySources as spans of one provider: an <see cref="ActivityListener"/> whose
/// sampling goes through the provider's sampler, and whose started Activities are tied to spans (see
/// <see cref="ActivitySpans"/> for how both trees stay one).
/// </summary>
internal sealed class ActivitySourceBridge : IDisposable
{
    // The decision of the last Sample call on this thread, consumed by ActivityStarted: ActivitySource samples, creates
    // and starts an Activity synchronously on one thread, so the sampler runs once per Activity (a rate-limiting
    // sampler must not count twice). When they do not match (an Activity created now and started later), the
    // Activity's recorded flag stands in for the decision.
    [ThreadStatic]
    private static ActivitySourceBridge? t_pendingBridge;

    [ThreadStatic]
    private static string? t_pendingName;

    [ThreadStatic]
    private static ActivitySource? t_pendingSource;

    [ThreadStatic]
    private static TraceId t_pendingTraceId;

    [ThreadStatic]
    private static SamplingDecision t_pendingDecision;

    [ThreadStatic]
    private static KeyValue[]? t_tagBuffer;

    private readonly TracerProvider _provider;
    private readonly ActivitySourceFilter _filter;

    // One delegate instance, so the watch can remove exactly what it was given.
    private readonly Func<string, bool> _isRecorded;
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<ActivitySource, Tracer> _tracers = new();

    public ActivitySourceBridge(TracerProvider provider, string[] sources)
    {
        _provider = provider;
        _filter = new ActivitySourceFilter(sources);
        _isRecorded = _filter.Matches;
        UnregisteredSourceWatch.Register(_isRecorded);
        ActivitySpans.EnableInterop();
        _listener = new ActivityListener
        {
            ShouldListenTo = source => _filter.Matches(source.Name),
            Sample = Sample,
            ActivityStarted = OnStarted,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        UnregisteredSourceWatch.Unregister(_isRecorded);
        _listener.Dispose();
    }

    private ActivitySamplingResult Sample(ref ActivityCreationOptions<ActivityContext> options)
    {
        if (SuppressInstrumentationScope.IsActive)
        {
            // The SDK's own work (or work the application excluded): no Activity at all from this listener, so nothing
            // is recorded and nothing is propagated on its behalf.
            return ActivitySamplingResult.None;
        }

        try
        {
            var current = Activity.Current;
            bool implicitParent = options.Parent == default || (current is not null && options.Parent == current.Context);
            SpanContext parent;
            TracerProvider? owner = null;
            if (implicitParent)
            {
                parent = CurrentParent(out owner);
            }
            else
            {
                parent = ActivityConversion.ToSpanContext(options.Parent);
            }

            if (owner is not null && !ReferenceEquals(owner, _provider))
            {
                // Another provider recorded the parent and records this Activity; only keep the context flowing.
                return ActivitySamplingResult.PropagationData;
            }

            // For a root, options.TraceId asks Activity.TraceIdGenerator, which the Activity then keeps: the sampler
            // decides on the very trace id the Activity will carry.
            TraceId traceId = parent.IsValid ? parent.TraceId : TraceId.FromActivityTraceId(options.TraceId);
            var tags = TagsOf(options.Tags);
            var links = options.Links is null ? default : ActivityConversion.ToLinks(options.Links);
            var result = _provider.Sampler.ShouldSample(new SamplingParameters(parent, traceId, options.Name, ActivityConversion.ToSpanKind(options.Kind), tags, links));
            if (tags.Length > 0)
            {
                Array.Clear(t_tagBuffer!, 0, tags.Length);
            }

            if (result.TraceState is { } state)
            {
                options = options with { TraceState = state.ToString() };
            }

            if (result.Attributes is { } extra)
            {
                foreach (var kv in extra)
                {
                    options.SamplingTags.Add(kv.Key, kv.Value.AsString() ?? (object)kv.Value.ToString());
                }
            }

            t_pendingBridge = this;
            t_pendingSource = options.Source;
            t_pendingName = options.Name;
            t_pendingTraceId = traceId;
            t_pendingDecision = result.Decision;
            return result.Decision switch
            {
                SamplingDecision.RecordAndSample => ActivitySamplingResult.AllDataAndRecorded,
                SamplingDecision.RecordOnly => ActivitySamplingResult.AllData,

                // Not recorded, but the Activity still exists so the context (unsampled) flows to its children.
                _ => ActivitySamplingResult.PropagationData,
            };
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ActivityBridgeFailed(nameof(Sample), ex.Message);
            return ActivitySamplingResult.PropagationData;
        }
    }

    private void OnStarted(Activity activity)
    {
        try
        {
            if (ActivitySpans.TryGetTie(activity) is not null || SuppressInstrumentationScope.IsActive)
            {
                return;
            }

            var parent = ActivitySpans.ParentOf(activity, out var owner);
            if (owner is not null && !ReferenceEquals(owner, _provider))
            {
                return;
            }

            bool pending = ReferenceEquals(t_pendingBridge, this) && ReferenceEquals(t_pendingSource, activity.Source)
                && t_pendingName == activity.OperationName && (!parent.IsValid || t_pendingTraceId == parent.TraceId);
            t_pendingBridge = null;
            t_pendingSource = null;
            t_pendingName = null;
            SamplingDecision decision;
            if (pending)
            {
                decision = t_pendingDecision;
            }
            else
            {
                decision = activity.Recorded ? SamplingDecision.RecordAndSample : activity.IsAllDataRequested ? SamplingDecision.RecordOnly : SamplingDecision.Drop;
            }

            if (decision == SamplingDecision.Drop)
            {
                return;
            }

            TraceState? state = activity.TraceStateString is { Length: > 0 } ts && TraceState.TryParseHeader(ts, out var parsed) ? parsed : null;
            var tracer = _tracers.GetOrAdd(activity.Source, static (source, provider) => provider.GetTracer(source.Name, string.IsNullOrEmpty(source.Version) ? null : source.Version), _provider);
            TraceId traceId = parent.IsValid ? parent.TraceId : TraceId.FromActivityTraceId(activity.TraceId);
            // No links here: the Activity's links (those given at creation and any added later) are copied once, at stop
            // (ActivityConversion.CopyAtStop); copying the creation links here too exported every one of them twice.
            var span = tracer.StartSampled(activity.DisplayName, ActivityConversion.ToSpanKind(activity.Kind), parent, traceId,
                ActivitySpans.SpanIdOf(activity, _provider), new SamplingResult(decision, state), default, default, ActivitySpans.StartTimeOf(activity));
            ActivitySpans.Attach(activity, span, _provider);
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ActivityBridgeFailed(nameof(OnStarted), ex.Message);
        }
    }

    private void OnStopped(Activity activity)
    {
        try
        {
            if (ActivitySpans.TryGetTie(activity) is not { } tie || !ReferenceEquals(tie.Owner, _provider))
            {
                return;
            }

            ActivitySpans.Detach(activity);
            if (tie.Span.LiveData is { } data)
            {
                ActivityConversion.CopyAtStop(activity, data);
                long end = ActivitySpans.EndTimeOf(activity);
                if (end == 0)
                {
                    tie.Span.End();
                }
                else
                {
                    tie.Span.End(Clock.ToDateTimeOffset(end));
                }
            }
        }
        catch (Exception ex)
        {
            SdkEventSource.Log.ActivityBridgeFailed(nameof(OnStopped), ex.Message);
        }
    }

    // Tracer.AmbientParent with the parent's owner: the innermost of our current span and a newer Activity.Current.
    private static SpanContext CurrentParent(out TracerProvider? owner)
    {
        owner = null;
        var ambient = AmbientSpan.Current;
        if (Activity.Current is { } activity && !ReferenceEquals(activity, ambient?.ActivityAtActivation))
        {
            if (ActivitySpans.TryGetTie(activity) is { } tie)
            {
                owner = tie.Owner;
                return tie.Span.Context;
            }

            return ActivityInterop.OwnContextOf(activity);
        }

        if (ambient is null)
        {
            return default;
        }

        owner = ambient.Span.LiveData?.Provider;
        return ambient.Span.Context;
    }

    private static ReadOnlySpan<KeyValue> TagsOf(IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        if (tags is null)
        {
            return default;
        }

        var buffer = t_tagBuffer ??= new KeyValue[16];
        int count = 0;
        foreach (var tag in tags)
        {
            if (count == buffer.Length)
            {
                break;
            }

            var value = ActivityConversion.ToAttributeValue(tag.Value);
            if (value.Type != AttributeType.None)
            {
                buffer[count++] = new KeyValue(tag.Key, value);
            }
        }

        return buffer.AsSpan(0, count);
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;

namespace Tracing.Sdk.Activities;

/// <summary>Copies what an Activity recorded (tags, events, links, status) into a span record, typed.</summary>
internal static class ActivityConversion
{
    // The OpenTelemetry shim's tag names for a status; honoured for libraries that predate Activity.Status.
    private const string StatusCodeTag = "otel.status_code";
    private const string StatusDescriptionTag = "otel.status_description";

    public static SpanKind ToSpanKind(ActivityKind kind) => kind switch
    {
        ActivityKind.Server => SpanKind.Server,
        ActivityKind.Client => SpanKind.Client,
        ActivityKind.Producer => SpanKind.Producer,
        ActivityKind.Consumer => SpanKind.Consumer,
        _ => SpanKind.Internal,
    };

    public static SpanContext ToSpanContext(in ActivityContext context)
    {
        var flags = (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? TraceFlags.Sampled : TraceFlags.None;
        TraceState? state = context.TraceState is { Length: > 0 } ts && TraceState.TryParseHeader(ts, out var parsed) ? parsed : null;
        return new SpanContext(TraceId.FromActivityTraceId(context.TraceId), SpanId.FromActivitySpanId(context.SpanId), flags, state, context.IsRemote);
    }

    /// <summary>A typed value for an Activity tag; anything unknown becomes its invariant string.</summary>
    public static AttributeValue ToAttributeValue(object? value) => value switch
    {
        null => default,
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        double d => d,
        short sh => (long)sh,
        byte by => (long)by,
        sbyte sb => (long)sb,
        ushort us => (long)us,
        uint ui => (long)ui,
        ulong ul when ul <= long.MaxValue => (long)ul,
        float f => (double)f,
        string[] sa => sa,
        bool[] ba => ba,
        long[] la => la,
        double[] da => da,
        int[] ia => Array.ConvertAll(ia, x => (long)x),
        float[] fa => Array.ConvertAll(fa, x => (double)x),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Copies the Activity's final state into the span; the caller ends the span afterwards.</summary>
    /// <param name="activity">The Activity.</param>
    /// <param name="data">The span's live record.</param>
    /// <param name="takeName">Whether the Activity's display name becomes the span's name.</param>
    /// <param name="ignoreTag">Tags the caller translates itself (the library's own), or null to copy every tag.</param>
    /// <param name="takeExceptionEvents">False when the caller records the exception itself (an <c>exception</c> event of the library's).</param>
    public static void CopyAtStop(Activity activity, SpanData data, bool takeName = true, Func<string, bool>? ignoreTag = null, bool takeExceptionEvents = true)
    {
        if (takeName && !string.IsNullOrEmpty(activity.DisplayName))
        {
            data.UpdateName(activity.DisplayName);
        }

        string? statusTag = null;
        string? statusDescription = null;
        foreach (var tag in activity.EnumerateTagObjects())
        {
            if (ignoreTag is not null && ignoreTag(tag.Key))
            {
                continue;
            }

            if (tag.Key == StatusCodeTag)
            {
                statusTag = tag.Value as string;
                continue;
            }

            if (tag.Key == StatusDescriptionTag)
            {
                statusDescription = tag.Value as string;
                continue;
            }

            var value = ToAttributeValue(tag.Value);
            if (value.Type != AttributeType.None)
            {
                data.SetAttribute(tag.Key, value);
            }
        }

        foreach (ref readonly var e in activity.EnumerateEvents())
        {
            if (!takeExceptionEvents && e.Name == "exception")
            {
                continue;
            }

            data.AddEvent(e.Name, (e.Timestamp.UtcTicks - DateTime.UnixEpoch.Ticks) * 100, ToKeyValues(e.EnumerateTagObjects()));
        }

        foreach (ref readonly var link in activity.EnumerateLinks())
        {
            data.AddLink(new Link(ToSpanContext(link.Context), ToKeyValueArray(link.EnumerateTagObjects())));
        }

        switch (activity.Status)
        {
            case ActivityStatusCode.Error:
                // An error the instrumentation already described keeps its description.
                if (activity.StatusDescription is not null || data.Status.Code != StatusCode.Error)
                {
                    data.SetStatus(SpanStatus.Error(activity.StatusDescription));
                }

                break;
            case ActivityStatusCode.Ok:
                data.SetStatus(SpanStatus.Ok);
                break;
            default:
                if (string.Equals(statusTag, "ERROR", StringComparison.OrdinalIgnoreCase))
                {
                    data.SetStatus(SpanStatus.Error(statusDescription));
                }
                else if (string.Equals(statusTag, "OK", StringComparison.OrdinalIgnoreCase))
                {
                    data.SetStatus(SpanStatus.Ok);
                }

                break;
        }
    }

    /// <summary>Links given at an Activity's creation, as ours (allocates only when there are some).</summary>
    public static Link[] ToLinks(IEnumerable<ActivityLink>? links)
    {
        if (links is null)
        {
            return [];
        }

        List<Link>? result = null;
        foreach (var link in links)
        {
            (result ??= []).Add(new Link(ToSpanContext(link.Context), ToKeyValueArray(link.EnumerateTagObjects())));
        }

        return result is null ? [] : [.. result];
    }

    private static ReadOnlySpan<KeyValue> ToKeyValues(Activity.Enumerator<KeyValuePair<string, object?>> tags)
        => ToKeyValueArray(tags) ?? [];

    private static KeyValue[]? ToKeyValueArray(Activity.Enumerator<KeyValuePair<string, object?>> tags)
    {
        List<KeyValue>? list = null;
        foreach (ref readonly var tag in tags)
        {
            var value = ToAttributeValue(tag.Value);
            if (value.Type != AttributeType.None)
            {
                (list ??= []).Add(new KeyValue(tag.Key, value));
            }
        }

        return list?.ToArray();
    }
}

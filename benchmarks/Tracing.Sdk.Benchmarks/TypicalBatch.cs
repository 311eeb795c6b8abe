using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// The batch the export and serializer benchmarks hand to both libraries: equal server spans <c>GET /api/items</c> with
/// the five HTTP server attributes first, then <c>app.attr.N</c> strings up to the asked count, and one event — as our
/// ended span records and as OpenTelemetry's stopped Activities.
/// </summary>
internal static class TypicalBatch
{
    /// <summary>The HTTP server attributes every typical span starts with.</summary>
    public const int HttpAttributes = 5;

    private const string SourceName = "bench";

    /// <summary><paramref name="count"/> ended spans of ours, kept (the in-memory exporter holds them).</summary>
    public static SpanData[] Spans(int count, int attributes = HttpAttributes)
    {
        var spans = new List<SpanData>();
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("bench").AddInMemoryExporter(spans).Build())
        {
            var tracer = provider.GetTracer(SourceName, "1.0");
            for (int i = 0; i < count; i++)
            {
                var span = tracer.StartRootSpan("GET /api/items", SpanKind.Server);
                for (int a = 0; a < attributes; a++)
                {
                    var (key, value) = Attribute(a);
                    if (value is int n)
                    {
                        span.SetAttribute(key, n);
                    }
                    else
                    {
                        span.SetAttribute(key, (string)value);
                    }
                }

                span.AddEvent("handler.start");
                span.End();
            }
        }

        return [.. spans];
    }

    /// <summary>
    /// <paramref name="count"/> stopped Activities of the same shape. The listener is only needed while they are
    /// created; a stopped Activity keeps its source's name and version, which is all an exporter reads.
    /// </summary>
    public static Activity[] Activities(int count, int attributes = HttpAttributes)
    {
        using var source = new ActivitySource(SourceName, "1.0");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var activities = new Activity[count];
        for (int i = 0; i < count; i++)
        {
            var activity = source.StartActivity("GET /api/items", ActivityKind.Server)!;
            for (int a = 0; a < attributes; a++)
            {
                var (key, value) = Attribute(a);
                activity.SetTag(key, value);
            }

            activity.AddEvent(new ActivityEvent("handler.start"));
            activity.Stop();
            activities[i] = activity;
        }

        return activities;
    }

    private static (string Key, object Value) Attribute(int index) => index switch
    {
        0 => ("http.request.method", "GET"),
        1 => ("url.path", "/api/items"),
        2 => ("http.response.status_code", 200),
        3 => ("server.address", "example.com"),
        4 => ("server.port", 443),
        _ => (string.Create(CultureInfo.InvariantCulture, $"app.attr.{index}"), string.Create(CultureInfo.InvariantCulture, $"value-{index}")),
    };
}

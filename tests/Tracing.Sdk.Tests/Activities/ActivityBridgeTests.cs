using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Tracing.Sdk.Activities;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Activities;

// Each test uses its own ActivitySource name: listeners are process-wide and tests run in parallel.
public class ActivityBridgeTests
{
    private static (TracerProvider Provider, List<SpanData> Spans) Build(string source, Sampler? sampler = null)
    {
        var spans = new List<SpanData>();
        var builder = new TracerProviderBuilder().SetSettingsSource(_ => null).AddSource(source).AddInMemoryExporter(spans);
        if (sampler is not null)
        {
            builder.SetSampler(sampler);
        }

        return (builder.Build(), spans);
    }

    private static SpanData Single(List<SpanData> spans, string name)
    {
        lock (spans)
        {
            return spans.Single(s => s.Name == name);
        }
    }

    [Fact]
    public void ActivityStartedInsideOurSpan_IsItsChild_AndCarriesOurTraceId()
    {
        using var source = new ActivitySource("Bridge.ChildOfOurs");
        var (provider, spans) = Build(source.Name);
        using (provider)
        {
            var tracer = provider.GetTracer("test");
            ActivityTraceId activityTraceId;
            ActivitySpanId activitySpanId;
            using (var outer = tracer.StartActiveSpan("outer"))
            {
                using var activity = source.StartActivity("inner");
                Assert.NotNull(activity);
                activityTraceId = activity.TraceId;
                activitySpanId = activity.SpanId;
                Assert.Equal(activity.SpanId, Tracer.CurrentSpan.Context.SpanId.ToActivitySpanId());
            }

            var outerData = Single(spans, "outer");
            var innerData = Single(spans, "inner");
            Assert.Equal(outerData.TraceId, innerData.TraceId);
            Assert.Equal(outerData.SpanId, innerData.ParentSpanId);
            Assert.Equal(outerData.TraceId.ToActivityTraceId(), activityTraceId);
            Assert.Equal(activitySpanId, innerData.SpanId.ToActivitySpanId());
            Assert.Equal(source.Name, innerData.Scope.Name);
        }
    }

    [Fact]
    public void OurSpanStartedInsideBridgedActivity_IsItsChild()
    {
        using var source = new ActivitySource("Bridge.ParentOfOurs", "1.2.3");
        var (provider, spans) = Build(source.Name);
        using (provider)
        {
            var tracer = provider.GetTracer("test");
            using (var activity = source.StartActivity("outer"))
            {
                Assert.NotNull(activity);
                using var inner = tracer.StartActiveSpan("inner");
            }

            var outerData = Single(spans, "outer");
            var innerData = Single(spans, "inner");
            Assert.Equal(outerData.TraceId, innerData.TraceId);
            Assert.Equal(outerData.SpanId, innerData.ParentSpanId);
            Assert.Equal("1.2.3", outerData.Scope.Version);
        }
    }

    [Fact]
    public void CurrentSpan_IsAlwaysTheInnermostOfOursAndBridged()
    {
        using var source = new ActivitySource("Bridge.Innermost");
        var (provider, spans) = Build(source.Name);
        using (provider)
        {
            var tracer = provider.GetTracer("test");
            using var a = tracer.StartActiveSpan("a");
            Assert.Equal(a.Span.Context, Tracer.CurrentSpan.Context);
            using (var b = source.StartActivity("b"))
            {
                Assert.True(ActivitySpans.TryGetSpan(b!, out var bSpan));
                Assert.Equal(bSpan.Context, Tracer.CurrentSpan.Context);
                using (var c = tracer.StartActiveSpan("c"))
                {
                    Assert.Equal(c.Span.Context, Tracer.CurrentSpan.Context);
                    using (var d = source.StartActivity("d"))
                    {
                        Assert.Equal(d!.SpanId, Tracer.CurrentSpan.Context.SpanId.ToActivitySpanId());
                    }

                    Assert.Equal(c.Span.Context, Tracer.CurrentSpan.Context);
                }

                Assert.Equal(bSpan.Context, Tracer.CurrentSpan.Context);
            }

            Assert.Equal(a.Span.Context, Tracer.CurrentSpan.Context);
        }

        var byName = spans.ToDictionary(s => s.Name);
        Assert.Equal(byName["a"].SpanId, byName["b"].ParentSpanId);
        Assert.Equal(byName["b"].SpanId, byName["c"].ParentSpanId);
        Assert.Equal(byName["c"].SpanId, byName["d"].ParentSpanId);
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
    }

    [Fact]
    public void AddSource_WithWildcard_ListensToMatchingSourcesOnly()
    {
        using var orders = new ActivitySource("Wild.Company.Orders");
        using var billing = new ActivitySource("wild.company.billing");
        using var other = new ActivitySource("Wild.Other");
        var (provider, spans) = Build("Wild.Company.*");
        using (provider)
        {
            orders.StartActivity("orders")?.Stop();
            billing.StartActivity("billing")?.Stop();
            Assert.Null(other.StartActivity("other"));
        }

        Assert.Equal(["billing", "orders"], spans.Select(s => s.Name).Order().ToArray());
    }

    [Fact]
    public void AlwaysOffSampler_RecordsNoSpan_AndTheActivityIsNotRecorded()
    {
        using var source = new ActivitySource("Bridge.AlwaysOff");
        var (provider, spans) = Build(source.Name, Sampler.AlwaysOff);
        using (provider)
        {
            using var activity = source.StartActivity("dropped");
            Assert.NotNull(activity);
            Assert.False(activity.Recorded);
            Assert.False(activity.IsAllDataRequested);
            activity.Stop();
        }

        Assert.Empty(spans);
    }

    [Fact]
    public void RemoteParent_OfAnActivity_BecomesTheSpansRemoteParent()
    {
        using var source = new ActivitySource("Bridge.Remote");
        var (provider, spans) = Build(source.Name);
        var remote = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using (provider)
        {
            source.StartActivity("server", ActivityKind.Server, remote)?.Stop();
        }

        var span = Single(spans, "server");
        Assert.Equal(remote.TraceId, span.TraceId.ToActivityTraceId());
        Assert.Equal(remote.SpanId, span.ParentSpanId.ToActivitySpanId());
        Assert.True(span.HasRemoteParent);
        Assert.Equal(SpanKind.Server, span.Kind);
    }

    [Fact]
    public void StoppedActivity_CopiesTagsEventsLinksAndStatus_Typed()
    {
        using var source = new ActivitySource("Bridge.Copy");
        var (provider, spans) = Build(source.Name);
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);
        using (provider)
        {
            using var activity = source.StartActivity("op", ActivityKind.Client, default(ActivityContext), links: [new ActivityLink(linked)])!;
            activity.SetTag("s", "text");
            activity.SetTag("i", 42);
            activity.SetTag("d", 1.5);
            activity.SetTag("b", true);
            activity.SetTag("ia", new[] { 1, 2 });
            activity.AddEvent(new ActivityEvent("evt", tags: new ActivityTagsCollection { ["k"] = "v" }));
            activity.SetStatus(ActivityStatusCode.Error, "broken");
            activity.DisplayName = "renamed";
        }

        var span = Single(spans, "renamed");
        Assert.Equal(SpanKind.Client, span.Kind);
        Assert.Equal("text", span.GetAttribute("s")!.Value.AsString());
        Assert.Equal(42, span.GetAttribute("i")!.Value.AsLong());
        Assert.Equal(1.5, span.GetAttribute("d")!.Value.AsDouble());
        Assert.True(span.GetAttribute("b")!.Value.AsBool());
        Assert.Equal(new long[] { 1, 2 }, span.GetAttribute("ia")!.Value.AsLongArray());
        Assert.Equal("evt", span.Events[0].Name);
        Assert.Equal("v", span.Events[0].Attributes[0].Value.AsString());
        // Exactly one: a link given at the Activity's creation is copied once, not at start and again at stop.
        var link = Assert.Single(span.Links.ToArray());
        Assert.Equal(linked.SpanId, link.Context.SpanId.ToActivitySpanId());
        Assert.Equal(StatusCode.Error, span.Status.Code);
        Assert.Equal("broken", span.Status.Description);
        Assert.True(span.EndTimeUnixNano >= span.StartTimeUnixNano);
    }

    [Fact]
    public void ActivityNeverStopped_IsCollected_WithItsTie()
    {
        using var source = new ActivitySource("Bridge.Leak");
        var (provider, spans) = Build(source.Name);
        using (provider)
        {
            var weak = StartAndAbandon(source);
            for (int i = 0; i < 5 && weak.IsAlive; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.False(weak.IsAlive);
        }

        Assert.Empty(spans);
    }

    // Started in a task so that Activity.Current's change stays inside that task's execution context.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference StartAndAbandon(ActivitySource source)
        => Task.Run(() =>
        {
            var activity = source.StartActivity("abandoned");
            Assert.True(ActivitySpans.TryGetSpan(activity!, out var span));
            Assert.True(span.IsRecording);
            return new WeakReference(activity);
        }).GetAwaiter().GetResult();

    [Fact]
    public async Task Parentage_FollowsAwaitsAndThreadHops()
    {
        using var source = new ActivitySource("Bridge.Async");
        var (provider, spans) = Build(source.Name);
        using (provider)
        {
            var tracer = provider.GetTracer("test");
            using (var outer = tracer.StartActiveSpan("outer"))
            {
                await Task.Yield();
                using (var activity = source.StartActivity("activity"))
                {
                    await Task.Run(async () =>
                    {
                        await Task.Yield();
                        using var inner = tracer.StartActiveSpan("inner");
                        await Task.Delay(1);
                    });
                }
            }
        }

        var byName = spans.ToDictionary(s => s.Name);
        Assert.Equal(byName["outer"].SpanId, byName["activity"].ParentSpanId);
        Assert.Equal(byName["activity"].SpanId, byName["inner"].ParentSpanId);
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
    }

    [Fact]
    public void StartSpan_ForAnActivity_SharesItsSpanId_AndResolvesAsCurrent()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("test");
        var activity = new Activity("manual").Start();
        try
        {
            var parent = ActivitySpans.ParentOf(activity, out var owner);
            Assert.False(parent.IsValid);
            Assert.Null(owner);
            var span = ActivitySpans.StartSpan(tracer, activity, "manual", SpanKind.Client, parent);
            Assert.Equal(activity.SpanId, span.Context.SpanId.ToActivitySpanId());
            Assert.Equal(activity.TraceId, span.Context.TraceId.ToActivityTraceId());
            Assert.Equal(span.Context, Tracer.CurrentSpan.Context);
            span.End();
        }
        finally
        {
            activity.Stop();
        }

        Assert.Single(spans);
    }

    [Fact]
    public void StartSpan_ForARootActivity_TakesTheTraceIdOurGeneratorMadeForIt()
    {
        var spans = new List<SpanData>();
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddInMemoryExporter(spans).Build();
        var tracer = provider.GetTracer("test");
        ActivitySpans.EnableInterop();
        var activity = new Activity("root").SetIdFormat(ActivityIdFormat.W3C).Start();
        try
        {
            var span = ActivitySpans.StartSpan(tracer, activity, "root", SpanKind.Server, default);
            Assert.Equal(activity.TraceId, span.Context.TraceId.ToActivityTraceId());
            span.End();
        }
        finally
        {
            activity.Stop();
        }

        Assert.Equal(activity.TraceId, Assert.Single(spans).TraceId.ToActivityTraceId());
    }

    [Fact]
    public void StartSpan_ForAnActivityWithAnotherTraceId_DoesNotTakeTheIdOurGeneratorMadeLast()
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddInMemoryExporter(new List<SpanData>()).Build();
        var tracer = provider.GetTracer("test");
        ActivitySpans.EnableInterop();

        // The generator runs for this root (and remembers its id on this thread)...
        var generated = new Activity("generated").SetIdFormat(ActivityIdFormat.W3C).Start();
        generated.Stop();

        // ...but this one takes its trace id from a remote parent: the span must carry that id, not the remembered one.
        var remoteTraceId = ActivityTraceId.CreateRandom();
        var activity = new Activity("remote").SetParentId(remoteTraceId, ActivitySpanId.CreateRandom()).Start();
        try
        {
            var span = ActivitySpans.StartSpan(tracer, activity, "remote", SpanKind.Server, default);
            Assert.Equal(remoteTraceId, span.Context.TraceId.ToActivityTraceId());
            Assert.NotEqual(generated.TraceId, span.Context.TraceId.ToActivityTraceId());
            span.End();
        }
        finally
        {
            activity.Stop();
        }
    }
}

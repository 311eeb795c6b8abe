using System.Collections.Generic;
using System.Diagnostics;
using Tracing.Sdk.Activities;
using Xunit;

namespace Tracing.Sdk.Tests.Activities;

// While they run, the request Activities the framework always stops are tied in a plain map (ActivityTies); every other
// Activity in the weak table. Both tiers must behave alike for ActivitySpans' callers. The Activities here come from no
// ActivitySource, so no listener of another test sees them.
public class ActivityTieTests
{
    private const string HttpRequestIn = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private const string HttpRequestOut = "System.Net.Http.HttpRequestOut";

    private static readonly SpanContext s_context = new(TraceId.FromActivityTraceId(ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c")), SpanId.FromActivitySpanId(ActivitySpanId.CreateFromString("b7ad6b7169203331")), TraceFlags.Sampled);
    private static readonly SpanContext s_other = new(TraceId.FromActivityTraceId(ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736")), SpanId.FromActivitySpanId(ActivitySpanId.CreateFromString("00f067aa0ba902b7")), TraceFlags.Sampled);

    [Theory]
    [InlineData(HttpRequestIn)]
    [InlineData(HttpRequestOut)]
    [InlineData("Some.Library.Operation")]
    public void Attach_FirstTieWins_DetachRemovesIt_WhicheverTier(string operationName)
    {
        var activity = new Activity(operationName);
        Assert.False(ActivitySpans.TryGetSpan(activity, out _));

        Assert.True(ActivitySpans.Attach(activity, Span.FromContext(s_context), owner: null));
        Assert.False(ActivitySpans.Attach(activity, Span.FromContext(s_other), owner: null));
        Assert.True(ActivitySpans.TryGetSpan(activity, out var span, out var owner));
        Assert.Equal(s_context, span.Context);
        Assert.Null(owner);

        ActivitySpans.Detach(activity);
        Assert.False(ActivitySpans.TryGetSpan(activity, out _));
        Assert.True(ActivitySpans.Attach(activity, Span.FromContext(s_other), owner: null));
        Assert.True(ActivitySpans.TryGetSpan(activity, out span));
        Assert.Equal(s_other, span.Context);
        ActivitySpans.Detach(activity);
    }

    [Fact]
    public void TiesLeftOnStoppedRequestActivities_AreSwept_LiveOnesStay()
    {
        // A live request Activity (started, not stopped) and a stopped one whose tie nobody removed, as when an
        // instrumentation is disposed between an Activity's start and stop.
        var live = new Activity(HttpRequestIn).Start();
        var forgotten = new Activity(HttpRequestOut).Start();
        Assert.True(ActivitySpans.Attach(live, Span.FromContext(s_context), owner: null));
        Assert.True(ActivitySpans.Attach(forgotten, Span.FromContext(s_context), owner: null));
        forgotten.Stop();

        // Enough further stopped-and-forgotten ties that the map is checked while over its threshold at least once.
        var more = new List<Activity>();
        for (int i = 0; i < 3 * 4096; i++)
        {
            var activity = new Activity(HttpRequestOut);
            Assert.True(ActivitySpans.Attach(activity, Span.FromContext(s_other), owner: null));
            more.Add(activity);
        }

        Assert.False(ActivitySpans.TryGetSpan(forgotten, out _));
        Assert.True(ActivitySpans.TryGetSpan(live, out var stillTied));
        Assert.Equal(s_context, stillTied.Context);

        // The live one's tie moved tiers at the sweep: it is still the first tie, and still detachable.
        Assert.False(ActivitySpans.Attach(live, Span.FromContext(s_other), owner: null));
        ActivitySpans.Detach(live);
        Assert.False(ActivitySpans.TryGetSpan(live, out _));
        live.Stop();

        // Never-started Activities are not stopped: their ties stay (in the weak table) until detached.
        Assert.True(ActivitySpans.TryGetSpan(more[0], out _));
        foreach (var activity in more)
        {
            ActivitySpans.Detach(activity);
        }

        Assert.False(ActivitySpans.TryGetSpan(more[^1], out _));
    }
}

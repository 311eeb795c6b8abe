using System.Collections.Generic;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

public class TraceContextPropagatorTests
{
    private const string SpecTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static readonly TraceContextPropagator s_propagator = TraceContextPropagator.Instance;

    private static PropagationContext Extract(params (string, string)[] headers) =>
        s_propagator.Extract(default, Carrier.Of(headers), Carrier.Get);

    [Fact]
    public void Extract_ReadsTheSpecExample()
    {
        var ctx = Extract(("traceparent", SpecTraceParent)).SpanContext;

        Assert.True(ctx.IsValid);
        Assert.True(ctx.IsRemote);
        Assert.True(ctx.IsSampled);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", ctx.TraceId.ToString());
        Assert.Equal("00f067aa0ba902b7", ctx.SpanId.ToString());
        Assert.Null(ctx.TraceState);
    }

    [Fact]
    public void Extract_KeepsTheSpecTraceState()
    {
        var ctx = Extract(("traceparent", SpecTraceParent), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")).SpanContext;

        Assert.NotNull(ctx.TraceState);
        Assert.Equal("00f067aa0ba902b7", ctx.TraceState!.Get("rojo"));
        Assert.Equal("t61rcWkgMzE", ctx.TraceState.Get("congo"));
        Assert.Equal("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", ctx.TraceState.ToString());
    }

    [Fact]
    public void Extract_AReceivedTraceStateBehavesAsAnyOther_WhenLookedInto()
    {
        var state = Extract(("traceparent", SpecTraceParent), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")).SpanContext.TraceState!;

        Assert.Equal(2, state.Count);
        Assert.Null(state.Get("roj"));
        Assert.Null(state.Get("congo=t61"));
        Assert.Equal(new KeyValuePair<string, string>("congo", "t61rcWkgMzE"), state.Members[1]);
        Assert.Equal("congo=t61rcWkgMzE", state.Without("rojo").ToString());
        Assert.Equal("new=1,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", state.With("new", "1").ToString());
        Assert.Equal("congo=2,rojo=00f067aa0ba902b7", state.With("congo", "2").ToString());
    }

    [Fact]
    public void Extract_DropsTheInternalDebugMarker_WhenAPeerSendsIt()
    {
        var ctx = Extract(("traceparent", SpecTraceParent), ("tracestate", "rojo=1,debug@tracing-sdk=1")).SpanContext;

        Assert.Equal("rojo=1", ctx.TraceState!.ToString());
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", TraceFlags.None)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TraceFlags.Sampled)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02", TraceFlags.Random)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", TraceFlags.Sampled | TraceFlags.Random)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", TraceFlags.Sampled | TraceFlags.Random)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-fc", TraceFlags.None)]
    public void Extract_KeepsOnlyTheSampledAndRandomFlags(string traceParent, TraceFlags expected)
    {
        Assert.Equal(expected, Extract(("traceparent", traceParent)).SpanContext.TraceFlags);
    }

    [Theory]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")] // version ff is invalid
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")] // all-zero trace id
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")] // all-zero span id
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")] // upper-case trace id
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01")] // upper-case span id
    [InlineData("0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")] // upper-case version
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A")] // upper-case flags
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-")] // version 00 is exactly 55 characters
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")]
    [InlineData("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g")]
    [InlineData("0-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01")]
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.")] // a later version must be followed by '-'
    [InlineData("")]
    [InlineData("   ")]
    public void Extract_ReturnsNoContext_WhenTraceParentIsInvalid(string traceParent)
    {
        var result = Extract(("traceparent", traceParent), ("tracestate", "rojo=1"));

        Assert.False(result.SpanContext.IsValid);
        Assert.Null(result.SpanContext.TraceState);
    }

    [Theory]
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like")]
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-")]
    public void Extract_ReadsTheFirstFourFieldsOfALaterVersion(string traceParent)
    {
        var ctx = Extract(("traceparent", traceParent)).SpanContext;

        Assert.True(ctx.IsValid);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", ctx.TraceId.ToString());
        Assert.True(ctx.IsSampled);
    }

    [Theory]
    [InlineData(" " + SpecTraceParent)]
    [InlineData(SpecTraceParent + " ")]
    [InlineData("\t" + SpecTraceParent + "\t ")]
    public void Extract_AcceptsOptionalWhiteSpaceAroundTheValue(string traceParent)
    {
        Assert.True(Extract(("traceparent", traceParent)).SpanContext.IsValid);
    }

    [Fact]
    public void Extract_ReturnsNoContext_WhenTraceParentIsRepeated()
    {
        var result = Extract(("traceparent", SpecTraceParent), ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01"));

        Assert.False(result.SpanContext.IsValid);
    }

    [Fact]
    public void Extract_KeepsTheIncomingContext_WhenNothingIsFound()
    {
        var earlier = new PropagationContext(new SpanContext(new TraceId(1, 2), new SpanId(3), TraceFlags.Sampled), Baggage.Empty.SetItem("k", "v"));

        var result = s_propagator.Extract(earlier, Carrier.Of(("traceparent", "garbage")), Carrier.Get);

        Assert.Equal(earlier, result);
    }

    [Fact]
    public void Extract_KeepsTheIncomingBaggage_WhenItFindsAContext()
    {
        var baggage = Baggage.Empty.SetItem("k", "v");

        var result = s_propagator.Extract(new PropagationContext(default, baggage), Carrier.Of(("traceparent", SpecTraceParent)), Carrier.Get);

        Assert.True(result.SpanContext.IsValid);
        Assert.Same(baggage, result.Baggage);
    }

    [Theory]
    [InlineData("rojo=1,bad key=2")]
    [InlineData("@rojo=1,congo=2")] // a key starting with an at sign
    [InlineData("rojo=1,rojo=2,x=é")] // a duplicate does not excuse a bad member
    [InlineData("rojo=1,congo")]
    [InlineData("Rojo=1")] // upper-case key
    [InlineData("rojo=1 2,=x")]
    [InlineData("rojo=a,b")]
    [InlineData("rojo=é")]
    public void Extract_DiscardsAnInvalidTraceStateButKeepsTheContext(string traceState)
    {
        var ctx = Extract(("traceparent", SpecTraceParent), ("tracestate", traceState)).SpanContext;

        Assert.True(ctx.IsValid);
        Assert.Null(ctx.TraceState);
    }

    [Fact]
    public void Extract_AcceptsWhiteSpaceAndEmptyTraceStateMembers()
    {
        var ctx = Extract(("traceparent", SpecTraceParent), ("tracestate", " rojo=1 ,, \t,congo=2\t")).SpanContext;

        Assert.Equal("rojo=1,congo=2", ctx.TraceState!.ToString());
    }

    [Fact]
    public void Extract_JoinsRepeatedTraceStateHeaders()
    {
        var ctx = Extract(("traceparent", SpecTraceParent), ("tracestate", "rojo=1"), ("tracestate", "congo=2")).SpanContext;

        Assert.Equal("rojo=1,congo=2", ctx.TraceState!.ToString());
    }

    [Fact]
    public void Extract_Accepts32TraceStateMembers_AndDiscardsThe33rd()
    {
        var members = new List<string>();
        for (int i = 0; i < 33; i++)
        {
            members.Add($"k{i}=v");
        }

        var ok = Extract(("traceparent", SpecTraceParent), ("tracestate", string.Join(",", members.GetRange(0, 32)))).SpanContext;
        var tooMany = Extract(("traceparent", SpecTraceParent), ("tracestate", string.Join(",", members))).SpanContext;

        Assert.Equal(32, ok.TraceState!.Count);
        Assert.Null(tooMany.TraceState);
    }

    [Fact]
    public void Extract_TruncatesALongTraceState_DroppingLargeMembersFirstThenFromTheEnd()
    {
        string large = new('x', 200);
        string v = new('y', 125); // members of 127 characters: not "large", but four of them exceed 512 together
        var header = $"a=1,big={large},b=2,c={v},d={v},e={v},g={v},f=3";

        var state = Extract(("traceparent", SpecTraceParent), ("tracestate", header)).SpanContext.TraceState!;

        Assert.Null(state.Get("big"));
        Assert.True(state.ToString().Length <= 512);
        Assert.Equal("1", state.Get("a"));
        Assert.Equal("2", state.Get("b"));
        Assert.Equal(v, state.Get("e"));
        Assert.Null(state.Get("f")); // removed from the end to fit 512 characters
        Assert.Null(state.Get("g"));
    }

    [Fact]
    public void Inject_WritesVersion00InLowerCase_AndTheTraceState()
    {
        var state = TraceState.Empty.With("congo", "t61rcWkgMzE").With("rojo", "00f067aa0ba902b7");
        var ctx = new SpanContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, state);
        var carrier = Carrier.Of();

        s_propagator.Inject(new PropagationContext(ctx), carrier, Carrier.Set);

        Assert.Equal(SpecTraceParent, carrier["traceparent"]);
        Assert.Equal("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", carrier["tracestate"]);
    }

    [Fact]
    public void Inject_WritesNothing_ForAnInvalidContext()
    {
        var carrier = Carrier.Of();

        s_propagator.Inject(default, carrier, Carrier.Set);

        Assert.Empty(carrier);
    }

    [Fact]
    public void Inject_ForwardsTheReceivedTraceStateVerbatim()
    {
        const string header = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
        var extracted = Extract(("traceparent", SpecTraceParent), ("tracestate", header));
        var carrier = Carrier.Of();

        s_propagator.Inject(extracted, carrier, Carrier.Set);

        Assert.Equal(SpecTraceParent, carrier["traceparent"]);
        Assert.Same(header, carrier["tracestate"]);
    }
}

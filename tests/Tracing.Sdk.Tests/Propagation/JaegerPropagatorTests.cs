using System.Collections.Generic;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

public class JaegerPropagatorTests
{
    private static readonly System.Func<Dictionary<string, string>, IEnumerable<string>> s_keys = static c => c.Keys;

    private static PropagationContext Extract(params (string, string)[] headers) =>
        JaegerPropagator.Instance.Extract(default, Carrier.Of(headers), Carrier.Get, s_keys);

    [Fact]
    public void Extract_ReadsAJaegerClientHeader()
    {
        var ctx = Extract(("uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1")).SpanContext;

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", ctx.TraceId.ToString());
        Assert.Equal("00f067aa0ba902b7", ctx.SpanId.ToString());
        Assert.True(ctx.IsSampled);
        Assert.True(ctx.IsRemote);
    }

    [Fact]
    public void Extract_PadsIdsWhoseLeadingZerosWereOmitted()
    {
        var ctx = Extract(("uber-trace-id", "abc:f067aa0ba902b7:0:1")).SpanContext;

        Assert.Equal("00000000000000000000000000000abc", ctx.TraceId.ToString());
        Assert.Equal("00f067aa0ba902b7", ctx.SpanId.ToString());
    }

    [Fact]
    public void Extract_PadsA128BitTraceIdWithOmittedLeadingZeros()
    {
        var ctx = Extract(("uber-trace-id", "1a3ce929d0e0e4736:1:0:0")).SpanContext;

        Assert.Equal("0000000000000001a3ce929d0e0e4736", ctx.TraceId.ToString());
        Assert.False(ctx.IsSampled);
    }

    [Fact]
    public void Extract_AcceptsTheUrlEncodedForm()
    {
        var ctx = Extract(("uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736%3A00f067aa0ba902b7%3a0%3A1")).SpanContext;

        Assert.True(ctx.IsValid);
        Assert.True(ctx.IsSampled);
    }

    [Fact]
    public void Extract_FlagsThree_IsSampledAndDebug_AndDebugIsPropagatedOnward()
    {
        var ctx = Extract(("uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:3"));
        var carrier = Carrier.Of();

        JaegerPropagator.Instance.Inject(ctx, carrier, Carrier.Set);
        B3Propagator.Single.Inject(ctx, carrier, Carrier.Set);

        Assert.True(ctx.SpanContext.IsSampled);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:3", carrier["uber-trace-id"]);
        Assert.EndsWith("-d", carrier["b3"]);
    }

    [Fact]
    public void Extract_JaegerDebugId_MarksTheTraceDebugAndSampled()
    {
        var ctx = Extract(("uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:0"), ("jaeger-debug-id", "my-request"));
        var carrier = Carrier.Of();

        JaegerPropagator.Instance.Inject(ctx, carrier, Carrier.Set);

        Assert.True(ctx.SpanContext.IsSampled);
        Assert.EndsWith(":3", carrier["uber-trace-id"]);
    }

    [Fact]
    public void Extract_IgnoresAJaegerDebugIdAlone()
    {
        Assert.False(Extract(("jaeger-debug-id", "my-request")).SpanContext.IsValid);
    }

    [Theory]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1:1")]
    [InlineData("0:00f067aa0ba902b7:0:1")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736:0:0:1")]
    [InlineData("14bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736:100f067aa0ba902b7:0:1")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7::1")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:100")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:g")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736%3B00f067aa0ba902b7:0:1")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736%3")]
    [InlineData(":::")]
    [InlineData("")]
    public void Extract_ReturnsNoContext_ForAMalformedHeader(string value)
    {
        Assert.False(Extract(("uber-trace-id", value)).SpanContext.IsValid);
    }

    [Fact]
    public void Extract_ReadsUberctxBaggage_UrlDecoded()
    {
        var baggage = Extract(("uberctx-User", "alice%20smith"), ("uberctx-note", "a+b%2Cc"), ("uberctx-bad", "%FF"), ("other", "x")).Baggage!;

        Assert.Equal(2, baggage.Count);
        Assert.Equal("alice smith", baggage.GetValue("user"));
        Assert.Equal("a b,c", baggage.GetValue("note"));
    }

    [Fact]
    public void Extract_ReadsJaegerBaggageHeader()
    {
        var baggage = Extract(("jaeger-baggage", "k1=v1, k2 = v2,broken")).Baggage!;

        Assert.Equal("v1", baggage.GetValue("k1"));
        Assert.Equal("v2", baggage.GetValue("k2"));
        Assert.Equal(2, baggage.Count);
    }

    [Fact]
    public void Inject_WritesTheTraceIdHeaderAndUberctxBaggage()
    {
        var ctx = new PropagationContext(
            new SpanContext(new TraceId(0, 0xabc), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled),
            Baggage.Empty.SetItem("user", "alice smith,ü").SetItem("bad name", "x"));
        var carrier = Carrier.Of();

        JaegerPropagator.Instance.Inject(ctx, carrier, Carrier.Set);

        Assert.Equal("0000000000000abc:00f067aa0ba902b7:0:1", carrier["uber-trace-id"]);
        Assert.Equal("alice%20smith%2C%C3%BC", carrier["uberctx-user"]);
        Assert.Equal(2, carrier.Count);
        Assert.Equal(["uber-trace-id"], JaegerPropagator.Instance.Fields);
    }

    [Fact]
    public void ExtractOfInject_RoundTripsBaggage()
    {
        var ctx = new PropagationContext(
            new SpanContext(new TraceId(1, 2), new SpanId(3), TraceFlags.None),
            Baggage.Empty.SetItem("k", "a b+c%d ✓"));
        var carrier = Carrier.Of();

        JaegerPropagator.Instance.Inject(ctx, carrier, Carrier.Set);
        var back = JaegerPropagator.Instance.Extract(default, carrier, Carrier.Get, s_keys);

        Assert.Equal(ctx.SpanContext.TraceId, back.SpanContext.TraceId);
        Assert.Equal(ctx.SpanContext.SpanId, back.SpanContext.SpanId);
        Assert.False(back.SpanContext.IsSampled);
        Assert.Equal("a b+c%d ✓", back.Baggage!.GetValue("k"));
    }
}

using System;
using Tracing.Sdk.Propagation;
using Xunit;

namespace Tracing.Sdk.Tests.Propagation;

public class B3PropagatorTests
{
    private const string TraceId = "80f198ee56343ba864fe8b2a57d3eff7";
    private const string SpanId = "e457b5a2e4d86bd1";
    private const string ParentId = "05e3ac9a4f6e3b90";

    private static SpanContext Extract(params (string, string)[] headers) =>
        B3Propagator.Single.Extract(default, Carrier.Of(headers), Carrier.Get).SpanContext;

    [Fact]
    public void Extract_ReadsTheSingleHeaderExampleOfTheB3Readme()
    {
        var ctx = Extract(("b3", $"{TraceId}-{SpanId}-1-{ParentId}"));

        Assert.Equal(TraceId, ctx.TraceId.ToString());
        Assert.Equal(SpanId, ctx.SpanId.ToString());
        Assert.True(ctx.IsSampled);
        Assert.True(ctx.IsRemote);
        Assert.Null(ctx.TraceState);
    }

    [Theory]
    [InlineData("-0", false)]
    [InlineData("-1", true)]
    [InlineData("", false)] // deferred: read as not sampled
    public void Extract_ReadsTheSamplingState(string suffix, bool sampled)
    {
        var ctx = Extract(("b3", $"{TraceId}-{SpanId}{suffix}"));

        Assert.True(ctx.IsValid);
        Assert.Equal(sampled, ctx.IsSampled);
    }

    [Fact]
    public void Extract_PadsA64BitTraceId()
    {
        var ctx = Extract(("b3", $"64fe8b2a57d3eff7-{SpanId}-1"));

        Assert.Equal("000000000000000064fe8b2a57d3eff7", ctx.TraceId.ToString());
    }

    [Fact]
    public void Extract_AcceptsUpperCaseHex_AsCommonTracersSendIt()
    {
        var ctx = Extract(("b3", $"{TraceId.ToUpperInvariant()}-{SpanId.ToUpperInvariant()}-1"));

        Assert.Equal(TraceId, ctx.TraceId.ToString());
    }

    [Fact]
    public void Extract_DebugMeansSampled_AndIsPropagatedOnward()
    {
        var ctx = Extract(("b3", $"{TraceId}-{SpanId}-d"));
        var carrier = Carrier.Of();

        B3Propagator.Single.Inject(new PropagationContext(ctx), carrier, Carrier.Set);

        Assert.True(ctx.IsSampled);
        Assert.Equal($"{TraceId}-{SpanId}-d", carrier["b3"]);
    }

    [Fact]
    public void Debug_SurvivesALocalChildSpan_AndIsNotWrittenToW3CTraceState()
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(static _ => null).Build();
        var parent = Extract(("b3", $"{TraceId}-{SpanId}-d"));
        var child = provider.GetTracer("t").StartSpan("child", SpanKind.Client, parent);
        var carrier = Carrier.Of();

        Propagators.FromEnvironment(_ => "b3multi,tracecontext").Inject(new PropagationContext(child.Context), carrier, Carrier.Set);
        child.End();

        Assert.Equal("1", carrier["X-B3-Flags"]);
        Assert.False(carrier.ContainsKey("X-B3-Sampled"));
        Assert.EndsWith("-01", carrier["traceparent"]);
        Assert.False(carrier.ContainsKey("tracestate"));
    }

    [Fact]
    public void Extract_Deny_GivesAnUnsampledContextThatPropagatesTheDecision()
    {
        var ctx = Extract(("b3", "0"));
        var carrier = Carrier.Of();

        B3Propagator.Single.Inject(new PropagationContext(ctx), carrier, Carrier.Set);

        Assert.True(ctx.IsValid);
        Assert.False(ctx.IsSampled);
        Assert.EndsWith("-0", carrier["b3"]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("d")]
    public void Extract_IgnoresAnAcceptWithoutIds(string value)
    {
        Assert.False(Extract(("b3", value)).IsValid);
    }

    [Theory]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-2")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b9")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff-e457b5a2e4d86bd1")]
    [InlineData("00000000000000000000000000000000-e457b5a2e4d86bd1-1")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff7-0000000000000000-1")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff7+e457b5a2e4d86bd1-1")]
    [InlineData("x")]
    [InlineData("")]
    public void Extract_ReturnsNoContext_ForAMalformedSingleHeader(string value)
    {
        Assert.False(Extract(("b3", value)).IsValid);
    }

    [Fact]
    public void Extract_ReadsTheMultiHeaderExampleOfTheB3Readme()
    {
        var ctx = Extract(
            ("X-B3-TraceId", TraceId), ("X-B3-ParentSpanId", ParentId), ("X-B3-SpanId", SpanId), ("X-B3-Sampled", "1"));

        Assert.Equal(TraceId, ctx.TraceId.ToString());
        Assert.Equal(SpanId, ctx.SpanId.ToString());
        Assert.True(ctx.IsSampled);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    public void Extract_AcceptsLegacyTrueFalseSampling(string sampled, bool expected)
    {
        Assert.Equal(expected, Extract(("X-B3-TraceId", TraceId), ("X-B3-SpanId", SpanId), ("X-B3-Sampled", sampled)).IsSampled);
    }

    [Fact]
    public void Extract_ReadsTheMultiHeaderDebugFlag()
    {
        var ctx = Extract(("X-B3-TraceId", TraceId), ("X-B3-SpanId", SpanId), ("X-B3-Flags", "1"));
        var carrier = Carrier.Of();

        B3Propagator.Single.Inject(new PropagationContext(ctx), carrier, Carrier.Set);

        Assert.True(ctx.IsSampled);
        Assert.EndsWith("-d", carrier["b3"]);
    }

    [Fact]
    public void Extract_MultiDenyWithoutIds_GivesAnUnsampledContext()
    {
        var ctx = Extract(("X-B3-Sampled", "0"));

        Assert.True(ctx.IsValid);
        Assert.False(ctx.IsSampled);
    }

    [Fact]
    public void Extract_FallsBackToMultiHeaders_WhenTheSingleHeaderIsInvalid()
    {
        var ctx = Extract(("b3", "garbage"), ("X-B3-TraceId", TraceId), ("X-B3-SpanId", SpanId), ("X-B3-Sampled", "1"));

        Assert.Equal(TraceId, ctx.TraceId.ToString());
    }

    [Fact]
    public void Extract_PrefersTheSingleHeader()
    {
        var ctx = Extract(("b3", $"{TraceId}-{SpanId}-1"), ("X-B3-TraceId", "1111111111111111"), ("X-B3-SpanId", "2222222222222222"));

        Assert.Equal(TraceId, ctx.TraceId.ToString());
    }

    [Theory]
    [InlineData("X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff")]
    [InlineData("X-B3-SpanId", "zz57b5a2e4d86bd1")]
    [InlineData("X-B3-ParentSpanId", "05e3")]
    public void Extract_ReturnsNoContext_ForAMalformedMultiHeader(string name, string value)
    {
        var headers = Carrier.Of(("X-B3-TraceId", TraceId), ("X-B3-SpanId", SpanId), ("X-B3-Sampled", "1"));
        headers[name] = value;

        Assert.False(B3Propagator.Single.Extract(default, headers, Carrier.Get).SpanContext.IsValid);
    }

    [Fact]
    public void Inject_WritesTheSingleHeaderByDefault()
    {
        var ctx = new SpanContext(Sdk.TraceId.FromBytes(Convert.FromHexString(TraceId)), new SpanId(0xe457b5a2e4d86bd1), TraceFlags.Sampled);
        var carrier = Carrier.Of();

        new B3Propagator().Inject(new PropagationContext(ctx), carrier, Carrier.Set);

        Assert.Single(carrier);
        Assert.Equal($"{TraceId}-{SpanId}-1", carrier["b3"]);
    }

    [Fact]
    public void Inject_WritesMultipleHeaders_WhenAskedTo()
    {
        var ctx = new SpanContext(new TraceId(0, 0x64fe8b2a57d3eff7), new SpanId(0xe457b5a2e4d86bd1), TraceFlags.None);
        var carrier = Carrier.Of();

        new B3Propagator(singleHeader: false).Inject(new PropagationContext(ctx), carrier, Carrier.Set);

        Assert.Equal("64fe8b2a57d3eff7", carrier["X-B3-TraceId"]);
        Assert.Equal(SpanId, carrier["X-B3-SpanId"]);
        Assert.Equal("0", carrier["X-B3-Sampled"]);
        Assert.Equal(3, carrier.Count);
    }
}

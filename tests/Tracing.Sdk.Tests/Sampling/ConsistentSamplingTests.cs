using System;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Sampling;

/// <summary>Consistent probability sampling: the <c>ot</c> trace-state entry's <c>th</c> and <c>rv</c> (OpenTelemetry specification).</summary>
public class ConsistentSamplingTests
{
    private static readonly SpanId Parent = new(0x0102030405060708);

    private static TraceId WithRandomness(ulong randomness) => new(0x1234, randomness & ConsistentProbability.RandomnessMask);

    private static SpanContext RemoteParent(TraceId traceId, string? traceState, bool sampled = true)
    {
        TraceState? state = null;
        if (traceState is not null)
        {
            Assert.True(TraceState.TryParse(traceState, out state));
        }

        return new SpanContext(traceId, Parent, (sampled ? TraceFlags.Sampled : TraceFlags.None) | TraceFlags.Random, state, isRemote: true);
    }

    private static SamplingResult Decide(Sampler sampler, in SpanContext parent, TraceId traceId)
        => sampler.ShouldSample(new SamplingParameters(parent, traceId, "op", SpanKind.Server));

    [Theory]
    [InlineData(1.0, "0")]
    [InlineData(0.5, "8")]
    [InlineData(0.25, "c")]
    [InlineData(0.125, "e")]
    [InlineData(0.1, "e6666666666666")]
    public void Threshold_IsEncodedAsHexWithTrailingZerosRemoved(double ratio, string expected)
    {
        ulong threshold = ConsistentProbability.ThresholdFor(ratio);
        Assert.Equal(expected, ConsistentProbability.Encode(threshold));
        Assert.True(ConsistentProbability.TryParseThreshold(expected, out ulong parsed));
        Assert.Equal(threshold, parsed);
    }

    [Fact]
    public void TraceIdRatio_WritesOtThOnTheSampledRootSpans()
    {
        using var pipeline = new TestPipeline(b => b.SetSampler(Sampler.TraceIdRatio(0.25)));
        var sampled = pipeline.Tracer.StartRootSpan("root");
        Span? unsampled = null;
        for (int i = 0; i < 1000 && (!sampled.Context.IsSampled || unsampled is null); i++)
        {
            var s = pipeline.Tracer.StartRootSpan("root");
            if (s.Context.IsSampled)
            {
                sampled = s;
            }
            else
            {
                unsampled = s;
            }
        }

        Assert.True(sampled.Context.IsSampled);
        Assert.Equal("ot=th:c", sampled.Context.TraceState?.ToString());
        Assert.Null(unsampled!.Value.Context.TraceState);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.1)]
    [InlineData(0.01)]
    public void TraceIdRatio_StatisticsWithinOnePercent_Over100000Ids(double ratio)
    {
        var sampler = Sampler.TraceIdRatio(ratio);
        int sampled = 0;
        for (int i = 0; i < 100_000; i++)
        {
            if (Decide(sampler, default, IdGenerator.Random.NewTraceId()).Decision == SamplingDecision.RecordAndSample)
            {
                sampled++;
            }
        }

        Assert.InRange(sampled / 100_000.0, ratio - 0.01, ratio + 0.01);
    }

    [Fact]
    public void ExplicitRandomness_StatisticsWithinOnePercent_Over100000Values()
    {
        // One trace id whose own bits would never be sampled: only rv can make the ratio come out.
        var sampler = Sampler.ConsistentParentBased(0.3);
        var traceId = WithRandomness(0);
        var random = new Random(15);
        int sampled = 0;
        for (int i = 0; i < 100_000; i++)
        {
            ulong rv = (ulong)random.NextInt64() & ConsistentProbability.RandomnessMask;
            var parent = RemoteParent(traceId, $"ot=rv:{rv:x14}");
            if (Decide(sampler, parent, traceId).Decision == SamplingDecision.RecordAndSample)
            {
                sampled++;
            }
        }

        Assert.InRange(sampled / 100_000.0, 0.29, 0.31);
    }

    [Fact]
    public void ExplicitRandomness_IsUsedInsteadOfTraceIdBits()
    {
        var sampler = Sampler.TraceIdRatio(0.5);
        var zeroBits = WithRandomness(0);
        var allBits = WithRandomness(ConsistentProbability.RandomnessMask);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, RemoteParent(zeroBits, "ot=rv:ffffffffffffff"), zeroBits).Decision);
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, RemoteParent(allBits, "ot=rv:00000000000000"), allBits).Decision);
    }

    [Fact]
    public void UpstreamThreshold_IsHonouredAndTheTraceStateKept()
    {
        // Upstream sampled at 0.25 (th:c); this service would take 0.5: it must not claim 0.5 for the trace.
        var sampler = Sampler.ConsistentParentBased(0.5);
        var traceId = WithRandomness(0xd0000000000000);
        var parent = RemoteParent(traceId, "ot=th:c,vendor=1");
        var result = Decide(sampler, parent, traceId);
        Assert.Equal(SamplingDecision.RecordAndSample, result.Decision);
        Assert.Null(result.TraceState); // The parent's "ot=th:c,vendor=1" flows on unchanged.
    }

    [Fact]
    public void DownstreamCanOnlyLowerTheProbability()
    {
        var sampler = Sampler.ConsistentParentBased(0.25);

        // Sampled upstream at 0.5 (R >= 8...), but below this service's threshold c: dropped, and th erased.
        var below = WithRandomness(0x90000000000000);
        var dropped = Decide(sampler, RemoteParent(below, "ot=th:8;rv:90000000000000,vendor=1"), below);
        Assert.Equal(SamplingDecision.Drop, dropped.Decision);
        Assert.Equal("ot=rv:90000000000000,vendor=1", dropped.TraceState?.ToString());

        // Above: sampled, and the lower probability is written, other sub-keys and members kept.
        var above = WithRandomness(0xd0000000000000);
        var kept = Decide(sampler, RemoteParent(above, "vendor=1,ot=th:8;x:y"), above);
        Assert.Equal(SamplingDecision.RecordAndSample, kept.Decision);
        Assert.Equal("ot=th:c;x:y,vendor=1", kept.TraceState?.ToString());
    }

    [Fact]
    public void DownstreamNeverRaisesTheProbability()
    {
        var sampler = Sampler.ConsistentParentBased(1.0);
        var traceId = WithRandomness(0xc0000000000000);
        var result = Decide(sampler, RemoteParent(traceId, "ot=th:c"), traceId);
        Assert.Equal(SamplingDecision.RecordAndSample, result.Decision);
        Assert.Null(result.TraceState); // th:c (0.25) stays: "always" here cannot claim 1.0 for a trace sampled at 0.25.
    }

    [Fact]
    public void PeersThatWriteOtTh_AreReadThroughTheW3CPropagator()
    {
        var headers = new System.Collections.Generic.Dictionary<string, string>
        {
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03",
            ["tracestate"] = "ot=th:e;rv:f0000000000000,congo=t61rcWkgMzE",
        };
        var ctx = Tracing.Sdk.Propagation.TraceContextPropagator.Instance.Extract(default, headers, static (h, k) => h.TryGetValue(k, out var v) ? v : null).SpanContext;
        Assert.True(ctx.IsValid);

        // th:e is 0.125; this service's 0.5 cannot raise it; rv f0... passes it.
        var result = Decide(Sampler.ConsistentParentBased(0.5), ctx, ctx.TraceId);
        Assert.Equal(SamplingDecision.RecordAndSample, result.Decision);
        Assert.Null(result.TraceState);
    }

    [Theory]
    [InlineData("ot=th:")]
    [InlineData("ot=th:zz")]
    [InlineData("ot=th:ABC")]
    [InlineData("ot=th:123456789012345")]
    [InlineData("ot=th:8:9")]
    [InlineData("ot=th")]
    [InlineData("ot=;;;")]
    [InlineData("ot=rv:123")]
    [InlineData("ot=rv:gggggggggggggg")]
    [InlineData("ot=rv:FFFFFFFFFFFFFF")]
    [InlineData("ot=rv:ffffffffffffff0")]
    [InlineData("ot=th:-1")]
    [InlineData("ot=th: 8")]
    public void MalformedThOrRv_IsIgnored_AndTheOwnRatioDecides(string traceState)
    {
        var sampler = Sampler.ConsistentParentBased(0.5);
        var yes = WithRandomness(0xc0000000000000);
        var no = WithRandomness(0x10000000000000);
        var sampled = Decide(sampler, RemoteParent(yes, traceState), yes);
        Assert.Equal(SamplingDecision.RecordAndSample, sampled.Decision);
        Assert.StartsWith("ot=th:8", sampled.TraceState?.ToString() ?? "ot=th:8");
        Assert.NotEqual(SamplingDecision.RecordAndSample, Decide(sampler, RemoteParent(no, traceState), no).Decision);
    }

    [Fact]
    public void ParentBased_KeepsTheUpstreamThreshold_ForLocalChildren()
    {
        using var pipeline = new TestPipeline(b => b.SetSampler(Sampler.ConsistentParentBased(0.5)));
        var traceId = WithRandomness(0xf0000000000000);
        var remote = RemoteParent(traceId, "ot=th:c");
        var server = pipeline.Tracer.StartSpan("server", SpanKind.Server, remote);
        var child = pipeline.Tracer.StartSpan("child", SpanKind.Internal, server);
        Assert.True(child.Context.IsSampled);
        Assert.Equal("ot=th:c", child.Context.TraceState?.ToString());
        Assert.True(ReferenceEquals(remote.TraceState, child.Context.TraceState));
    }
}

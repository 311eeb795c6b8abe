using System.Collections.Generic;
using System.Diagnostics;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class SamplerTests
{
    private static SamplingDecision Decide(Sampler sampler, SpanContext parent = default, TraceId traceId = default)
        => sampler.ShouldSample(new SamplingParameters(parent, traceId.IsValid ? traceId : IdGenerator.Random.NewTraceId(), "s", SpanKind.Internal)).Decision;

    [Fact]
    public void AlwaysOnAndAlwaysOff_DecideAsNamed()
    {
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(Sampler.AlwaysOn));
        Assert.Equal(SamplingDecision.Drop, Decide(Sampler.AlwaysOff));
    }

    [Fact]
    public void TraceIdRatio_SamplesTheRatioWithinTolerance()
    {
        var sampler = Sampler.TraceIdRatio(0.25);
        int sampled = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            if (Decide(sampler) == SamplingDecision.RecordAndSample)
            {
                sampled++;
            }
        }

        // 0.25 ± 1% absolute: more than 7 standard deviations at n = 100,000.
        Assert.InRange(sampled / (double)n, 0.24, 0.26);
        Assert.Equal("TraceIdRatioBased{0.25}", sampler.Description);
    }

    [Fact]
    public void TraceIdRatio_IsDeterministicAndConsistentAcrossRatios()
    {
        var low = Sampler.TraceIdRatio(0.1);
        var high = Sampler.TraceIdRatio(0.5);
        for (int i = 0; i < 10_000; i++)
        {
            var id = IdGenerator.Random.NewTraceId();
            var a = Decide(low, traceId: id);
            Assert.Equal(a, Decide(low, traceId: id));
            if (a == SamplingDecision.RecordAndSample)
            {
                Assert.Equal(SamplingDecision.RecordAndSample, Decide(high, traceId: id));
            }
        }
    }

    [Fact]
    public void TraceIdRatio_UsesTheRightMost56Bits()
    {
        var half = Sampler.TraceIdRatio(0.5);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(half, traceId: new TraceId(0, 0x00_80_0000_0000_0000)));
        Assert.Equal(SamplingDecision.Drop, Decide(half, traceId: new TraceId(ulong.MaxValue, 0xFF_7F_FFFF_FFFF_FFFF)));
        Assert.Equal(SamplingDecision.Drop, Decide(Sampler.TraceIdRatio(0), traceId: new TraceId(0, ulong.MaxValue)));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(Sampler.TraceIdRatio(1), traceId: new TraceId(0, 1)));
    }

    [Fact]
    public void ParentBased_UsesEachOfItsFiveDelegates()
    {
        var on = Sampler.AlwaysOn;
        var off = Sampler.AlwaysOff;
        var t = IdGenerator.Random.NewTraceId();
        var s = IdGenerator.Random.NewSpanId();
        SpanContext Ctx(bool sampled, bool remote) => new(t, s, sampled ? TraceFlags.Sampled : TraceFlags.None, null, remote);

        // Each case inverts the default so the test proves the delegate was consulted.
        Assert.Equal(SamplingDecision.Drop, Decide(new ParentBasedSampler(off)));
        Assert.Equal(SamplingDecision.Drop, Decide(new ParentBasedSampler(on, remoteParentSampled: off), Ctx(true, true)));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(new ParentBasedSampler(on, remoteParentNotSampled: on), Ctx(false, true)));
        Assert.Equal(SamplingDecision.Drop, Decide(new ParentBasedSampler(on, localParentSampled: off), Ctx(true, false)));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(new ParentBasedSampler(on, localParentNotSampled: on), Ctx(false, false)));

        // And the defaults follow the parent.
        var byDefault = Sampler.ParentBased(off);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(byDefault, Ctx(true, true)));
        Assert.Equal(SamplingDecision.Drop, Decide(byDefault, Ctx(false, false)));
    }

    [Fact]
    public void RateLimiting_AllowsABurstThenTheSustainedRate()
    {
        var sampler = new RateLimitingSampler(10);
        long now = Stopwatch.GetTimestamp();
        int allowed = 0;
        for (int i = 0; i < 100; i++)
        {
            if (sampler.TryAcquire(now))
            {
                allowed++;
            }
        }

        Assert.Equal(10, allowed); // the burst: one second's worth
        Assert.False(sampler.TryAcquire(now));
        Assert.True(sampler.TryAcquire(now + Stopwatch.Frequency / 10)); // 100 ms later: one more
        Assert.False(sampler.TryAcquire(now + Stopwatch.Frequency / 10));

        // Over ten simulated seconds, about ten a second.
        long t = now + Stopwatch.Frequency;
        int total = 0;
        for (int i = 0; i < 10_000; i++)
        {
            t += Stopwatch.Frequency / 1000;
            if (sampler.TryAcquire(t))
            {
                total++;
            }
        }

        Assert.InRange(total, 99, 111);
    }

    [Fact]
    public void RateLimiting_ZeroSamplesNothing()
    {
        Assert.Equal(SamplingDecision.Drop, Decide(Sampler.RateLimiting(0)));
    }

    [Theory]
    [InlineData("always_on", null, "AlwaysOnSampler")]
    [InlineData("always_off", null, "AlwaysOffSampler")]
    [InlineData("traceidratio", "0.5", "TraceIdRatioBased{0.5}")]
    [InlineData("traceidratio", "7", "TraceIdRatioBased{1}")] // invalid arg falls back to 1.0
    [InlineData("traceidratio", "abc", "TraceIdRatioBased{1}")]
    [InlineData("parentbased_always_off", null, "ParentBased{root:AlwaysOffSampler,")]
    [InlineData("parentbased_traceidratio", "0.1", "ParentBased{root:TraceIdRatioBased{0.1},")]
    [InlineData("ratelimiting", "50", "RateLimitingSampler{50}")]
    [InlineData("PARENTBASED_ALWAYS_ON", null, "ParentBased{root:AlwaysOnSampler,")]
    [InlineData("no_such_sampler", null, "ParentBased{root:AlwaysOnSampler,")] // invalid: the default, with a warning
    public void SamplerFromEnvironment_FollowsTheSpecification(string name, string? arg, string expectedPrefix)
    {
        var settings = new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = name, ["OTEL_TRACES_SAMPLER_ARG"] = arg };
        var sampler = SamplerSettings.Read(k => settings.GetValueOrDefault(k));
        Assert.NotNull(sampler);
        Assert.StartsWith(expectedPrefix, sampler!.Description);
    }

    [Fact]
    public void UnsampledSpan_PropagatesItsContext()
    {
        using var p = new TestPipeline(b => b.SetSampler(Sampler.AlwaysOff));
        using var scope = p.Tracer.StartActiveSpan("not sampled");
        Assert.False(scope.Span.IsRecording);
        Assert.True(scope.Span.Context.IsValid);
        Assert.False(scope.Span.Context.IsSampled);
        using var child = p.Tracer.StartSpan("child");
        Assert.Equal(scope.Span.Context.TraceId, child.Context.TraceId);
        Assert.Empty(p.Spans);
    }

    [Fact]
    public void RecordOnly_IsRecordedButNotExported()
    {
        var counting = new CountingProcessor();
        using var p = new TestPipeline(b => b.SetSampler(new RecordOnlySampler()).AddProcessor(counting));
        var span = p.Tracer.StartSpan("recorded");
        Assert.True(span.IsRecording);
        Assert.False(span.Context.IsSampled);
        span.End();
        Assert.Equal(1, counting.Ended);
        Assert.Empty(p.Spans);
    }

    private sealed class RecordOnlySampler : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters) => new(SamplingDecision.RecordOnly);

        public override string Description => "RecordOnly";
    }
}

using System;
using System.Text;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Sampling;

/// <summary>Every sampler stays off the allocation path: a span start through it allocates nothing.</summary>
public class SamplerAllocationTests
{
    private const int Spans = 10_000;

    private static long Measure(Action run)
    {
        for (int i = 0; i < 3; i++)
        {
            run();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        run();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long SpanStarts(Sampler sampler, SpanKind kind = SpanKind.Server, SpanContext parent = default, string name = "GET /orders/{id}")
    {
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetSampler(sampler).AddProcessor(new SimpleExportProcessor(new DiscardingExporter())).Build();
        var tracer = provider.GetTracer("alloc");
        return Measure(() =>
        {
            for (int i = 0; i < Spans; i++)
            {
                ReadOnlySpan<KeyValue> attributes =
                [
                    new("http.request.method", "GET"),
                    new("url.scheme", "http"),
                    new("url.path", (i & 1) == 0 ? "/health" : "/orders/7"),
                    new("server.address", "localhost"),
                ];
                var span = tracer.StartSpan(name, kind, parent, attributes);
                span.End();
            }
        });
    }

    [Fact]
    public void TraceIdRatio_Root_AllocatesNothing() => Assert.Equal(0, SpanStarts(Sampler.TraceIdRatio(0.5)));

    [Fact]
    public void ConsistentParentBased_UnderAnUpstreamThreshold_AllocatesNothing()
    {
        Assert.True(TraceState.TryParse("ot=th:8;rv:ffffffffffffff,vendor=1", out var state));
        var parent = new SpanContext(IdGenerator.Random.NewTraceId(), new SpanId(7), TraceFlags.Sampled | TraceFlags.Random, state, isRemote: true);
        Assert.Equal(0, SpanStarts(Sampler.ConsistentParentBased(0.5), parent: parent));
    }

    [Fact]
    public void ConsistentParentBased_LoweringTheThresholdForOneParent_AllocatesNothingPerSpan()
    {
        Assert.True(TraceState.TryParse("ot=th:8;rv:ffffffffffffff,vendor=1", out var state));
        var parent = new SpanContext(IdGenerator.Random.NewTraceId(), new SpanId(7), TraceFlags.Sampled | TraceFlags.Random, state, isRemote: true);
        Assert.Equal(0, SpanStarts(Sampler.ConsistentParentBased(0.25), parent: parent));
    }

    [Fact]
    public void RuleBased_AllocatesNothing()
        => Assert.Equal(0, SpanStarts(Sampler.ParentBased(RuleBasedSampler.Parse("path=/health*=>drop;method=GET,attr.server.address=localhost=>ratio:0.5;=>rate:100"))));

    [Fact]
    public void RuleBased_DeferringForARoute_AllocatesNothing()
        => Assert.Equal(0, SpanStarts(Sampler.ParentBased(RuleBasedSampler.Parse("path=/health=>drop;route=/orders/{id}=>ratio:0.5;=>drop"))));

    [Fact]
    public void RateLimiting_AllocatesNothing() => Assert.Equal(0, SpanStarts(Sampler.RateLimiting(1000)));

    [Fact]
    public void JaegerPerOperationStrategy_AllocatesNothing()
    {
        string json = """{"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":1,"perOperationStrategies":[{"operation":"GET /orders/{id}","probabilisticSampling":{"samplingRate":0.5}}]}}""";
        Assert.True(JaegerStrategy.TryParse(Encoding.UTF8.GetBytes(json), 2000, out var strategy, out _));
        Assert.Equal(0, SpanStarts(strategy!, kind: SpanKind.Internal));
        Assert.Equal(0, SpanStarts(strategy!)); // a server span: deferred until its route is known
        Assert.Equal(0, SpanStarts(strategy!, kind: SpanKind.Internal, name: "an operation the strategy does not list"));
    }

    [Fact]
    public void JaegerRemoteSampler_AllocatesNothing()
    {
        // A closed port: the sampler keeps its initial rate; deciding never waits for the poller.
        using var sampler = new JaegerRemoteSampler(new JaegerRemoteSamplerOptions { Endpoint = new Uri("http://127.0.0.1:9"), InitialSamplingRate = 0.5, PollingInterval = TimeSpan.FromHours(1) });
        Assert.Equal(0, SpanStarts(Sampler.ParentBased(sampler)));
    }
}

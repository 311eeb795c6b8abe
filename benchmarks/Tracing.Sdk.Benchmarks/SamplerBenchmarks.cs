using System;
using System.Collections.Generic;
using System.Text;
using BenchmarkDotNet.Attributes;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// One HTTP server span started and ended (four start attributes, as the ASP.NET Core instrumentation gives them)
/// through each sampler; the plain trace-id ratio sampler is the baseline. Half the trace ids are sampled where a
/// ratio applies, and every exported span goes to a batch processor with a counting exporter.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class SamplerBenchmarks
{
    private readonly Dictionary<string, (TracerProvider Provider, Tracer Tracer)> _pipelines = [];
    private JaegerRemoteSampler _jaeger = null!;
    private SpanContext _upstream;
    private Tracer _traceIdRatioTracer = null!;
    private Tracer _parentBasedTraceIdRatioTracer = null!;
    private Tracer _consistentParentBasedUnderUpstreamThTracer = null!;
    private Tracer _ruleBasedThreeRulesTracer = null!;
    private Tracer _ruleBasedDeferredForRouteTracer = null!;
    private Tracer _rateLimitingTracer = null!;
    private Tracer _jaegerPerOperationTracer = null!;
    private Tracer _jaegerRemoteInitialTracer = null!;

    [GlobalSetup]
    public void Setup()
    {
        Add(nameof(TraceIdRatio), Sampler.TraceIdRatio(0.5));
        Add(nameof(ParentBasedTraceIdRatio), Sampler.ParentBased(Sampler.TraceIdRatio(0.5)));
        Add(nameof(ConsistentParentBased_UnderUpstreamTh), Sampler.ConsistentParentBased(0.5));
        Add(nameof(RuleBased_ThreeRules), Sampler.ParentBased(RuleBasedSampler.Parse("path=/health*=>drop;method=POST,path=/admin/*=>always;kind=client=>rate:10;=>ratio:0.5")));
        Add(nameof(RuleBased_DeferredForRoute), Sampler.ParentBased(RuleBasedSampler.Parse("path=/health*=>drop;route=/orders/{id}=>ratio:0.5;=>ratio:0.5")));
        Add(nameof(RateLimiting), Sampler.RateLimiting(1_000_000));
        string json = """{"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":1,"perOperationStrategies":[{"operation":"GET /orders/{id}","probabilisticSampling":{"samplingRate":0.5}}]}}""";
        if (!JaegerStrategy.TryParse(Encoding.UTF8.GetBytes(json), 2000, out var strategy, out string? error))
        {
            throw new InvalidOperationException(error);
        }

        Add(nameof(JaegerPerOperation), strategy!);
        _jaeger = new JaegerRemoteSampler(new JaegerRemoteSamplerOptions { Endpoint = new Uri("http://127.0.0.1:9"), InitialSamplingRate = 0.5, PollingInterval = TimeSpan.FromHours(1) });
        Add(nameof(JaegerRemote_Initial), Sampler.ParentBased(_jaeger));
        _traceIdRatioTracer = _pipelines[nameof(TraceIdRatio)].Tracer;
        _parentBasedTraceIdRatioTracer = _pipelines[nameof(ParentBasedTraceIdRatio)].Tracer;
        _consistentParentBasedUnderUpstreamThTracer = _pipelines[nameof(ConsistentParentBased_UnderUpstreamTh)].Tracer;
        _ruleBasedThreeRulesTracer = _pipelines[nameof(RuleBased_ThreeRules)].Tracer;
        _ruleBasedDeferredForRouteTracer = _pipelines[nameof(RuleBased_DeferredForRoute)].Tracer;
        _rateLimitingTracer = _pipelines[nameof(RateLimiting)].Tracer;
        _jaegerPerOperationTracer = _pipelines[nameof(JaegerPerOperation)].Tracer;
        _jaegerRemoteInitialTracer = _pipelines[nameof(JaegerRemote_Initial)].Tracer;
        if (!TraceState.TryParse("ot=th:8;rv:c0000000000000,vendor=1", out var state))
        {
            throw new InvalidOperationException("tracestate");
        }

        _upstream = new SpanContext(new TraceId(1, 0xc0000000000000), new SpanId(7), TraceFlags.Sampled | TraceFlags.Random, state, isRemote: true);
    }

    private void Add(string name, Sampler sampler)
    {
        var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetSampler(sampler)
            .AddProcessor(new BatchExportProcessor(new CountingExporter())).Build();
        _pipelines[name] = (provider, provider.GetTracer("bench.sampler"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (provider, _) in _pipelines.Values)
        {
            provider.Dispose();
        }

        _jaeger.Dispose();
    }

    private static void Start(Tracer tracer, SpanKind kind = SpanKind.Server, string name = "GET")
    {
        ReadOnlySpan<KeyValue> attributes =
        [
            new("http.request.method", "GET"),
            new("url.scheme", "http"),
            new("url.path", "/orders/7"),
            new("server.address", "localhost"),
        ];
        var span = tracer.StartRootSpan(name, kind, attributes);
        span.End();
    }

    [Benchmark(Baseline = true)]
    public void TraceIdRatio() => Start(_traceIdRatioTracer);

    [Benchmark]
    public void ParentBasedTraceIdRatio() => Start(_parentBasedTraceIdRatioTracer);

    [Benchmark]
    public void ConsistentParentBased_UnderUpstreamTh()
    {
        ReadOnlySpan<KeyValue> attributes =
        [
            new("http.request.method", "GET"),
            new("url.scheme", "http"),
            new("url.path", "/orders/7"),
            new("server.address", "localhost"),
        ];
        var span = _consistentParentBasedUnderUpstreamThTracer.StartSpan("GET", SpanKind.Server, _upstream, attributes);
        span.End();
    }

    [Benchmark]
    public void RuleBased_ThreeRules() => Start(_ruleBasedThreeRulesTracer);

    [Benchmark]
    public void RuleBased_DeferredForRoute() => Start(_ruleBasedDeferredForRouteTracer);

    [Benchmark]
    public void RateLimiting() => Start(_rateLimitingTracer);

    [Benchmark]
    public void JaegerPerOperation() => Start(_jaegerPerOperationTracer, SpanKind.Internal, "GET /orders/{id}");

    [Benchmark]
    public void JaegerRemote_Initial() => Start(_jaegerRemoteInitialTracer);
}

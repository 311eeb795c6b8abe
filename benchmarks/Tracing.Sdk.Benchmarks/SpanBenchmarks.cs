using System.Diagnostics;
using System.Threading;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Tracing.Sdk.Benchmarks;

/// <summary>A span started, given three attributes and ended; OpenTelemetry's Activity is the baseline.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SpanBenchmarks
{
    private static readonly AsyncLocal<object?> s_local = new();
    private static readonly object s_value = new();

    private Pipelines _sampled = null!;
    private Pipelines _unsampled = null!;
    private Activity _otelParent = null!;
    private Span _parent;

    [GlobalSetup]
    public void Setup()
    {
        _sampled = new Pipelines("bench.sampled", sampled: true);
        _unsampled = new Pipelines("bench.unsampled", sampled: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sampled.Dispose();
        _unsampled.Dispose();
    }

    [BenchmarkCategory("Sampled"), Benchmark(Baseline = true)]
    public void OTel_Sampled()
    {
        using var activity = _sampled.Source.StartActivity("op");
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("cache.hit", true);
    }

    [BenchmarkCategory("Sampled"), Benchmark]
    public void Ours_Sampled()
    {
        var span = _sampled.Tracer.StartSpan("op");
        span.SetAttribute("http.method", "GET");
        span.SetAttribute("http.status_code", 200);
        span.SetAttribute("cache.hit", true);
        span.End();
    }

    [BenchmarkCategory("Unsampled"), Benchmark(Baseline = true)]
    public void OTel_Unsampled()
    {
        using var activity = _unsampled.Source.StartActivity("op");
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("cache.hit", true);
    }

    [BenchmarkCategory("Unsampled"), Benchmark]
    public void Ours_Unsampled()
    {
        var span = _unsampled.Tracer.StartSpan("op");
        span.SetAttribute("http.method", "GET");
        span.SetAttribute("http.status_code", 200);
        span.SetAttribute("cache.hit", true);
        span.End();
    }

    // Child of an active parent. Each library's parent is made current in this category's GlobalSetup, outside the
    // measurement: an AsyncLocal value set by a synchronous method stays with the calling flow, which then runs the
    // benchmark.
    [GlobalSetup(Targets = [nameof(OTel_ChildOfActiveParent), nameof(Ours_ChildOfActiveParent)])]
    public void SetupChild()
    {
        Setup();
        _otelParent = _sampled.Source.StartActivity("parent")!;
        _parent = _sampled.Tracer.StartSpan("parent");
        Tracer.WithSpan(_parent);
    }

    [GlobalCleanup(Targets = [nameof(OTel_ChildOfActiveParent), nameof(Ours_ChildOfActiveParent)])]
    public void CleanupChild()
    {
        _otelParent.Dispose();
        _parent.End();
        Cleanup();
    }

    [BenchmarkCategory("Child"), Benchmark(Baseline = true)]
    public void OTel_ChildOfActiveParent()
    {
        using var activity = _sampled.Source.StartActivity("child");
        activity?.SetTag("db.system", "postgresql");
    }

    [BenchmarkCategory("Child"), Benchmark]
    public void Ours_ChildOfActiveParent()
    {
        var span = _sampled.Tracer.StartSpan("child");
        span.SetAttribute("db.system", "postgresql");
        span.End();
    }

    [BenchmarkCategory("Active"), Benchmark(Baseline = true)]
    public void OTel_ActiveSpanWithScope()
    {
        // StartActivity makes the Activity current; Dispose stops it and restores the previous one.
        using var activity = _sampled.Source.StartActivity("active");
    }

    [BenchmarkCategory("Active"), Benchmark]
    public void Ours_StartActiveSpanWithScope()
    {
        using var scope = _sampled.Tracer.StartActiveSpan("active");
    }

    [BenchmarkCategory("Active"), Benchmark]
    public void AsyncLocal_SetAndRestore()
    {
        var previous = s_local.Value;
        s_local.Value = s_value;
        s_local.Value = previous;
    }
}

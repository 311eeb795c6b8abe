using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// The same span (start, three attributes, end) called from three kinds of site: directly, from a small
/// <c>[AggressiveInlining]</c> helper, and from a large method that has spent the JIT's inlining budget. The fast path
/// must not depend on where it is called from: the three rows of each library should match. OpenTelemetry's
/// <c>StartActivity</c> at the same sites is the baseline.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CallSiteBenchmarks
{
    private Pipelines _sampled = null!;
    private Pipelines _unsampled = null!;
    private int _rare;

    [GlobalSetup]
    public void Setup()
    {
        _sampled = new Pipelines("bench.callsite.sampled", sampled: true);
        _unsampled = new Pipelines("bench.callsite.unsampled", sampled: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sampled.Dispose();
        _unsampled.Dispose();
    }

    [BenchmarkCategory("Unsampled"), Benchmark(Baseline = true)]
    public void OTel_Unsampled_Direct()
    {
        using var activity = _unsampled.Source.StartActivity("op");
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("cache.hit", true);
    }

    [BenchmarkCategory("Unsampled"), Benchmark]
    public void Ours_Unsampled_Direct()
    {
        var span = _unsampled.Tracer.StartSpan("op");
        span.SetAttribute("http.method", "GET");
        span.SetAttribute("http.status_code", 200);
        span.SetAttribute("cache.hit", true);
        span.End();
    }

    [BenchmarkCategory("Unsampled"), Benchmark]
    public void Ours_Unsampled_InlinedHelper() => OursHelper(_unsampled.Tracer);

    [BenchmarkCategory("Unsampled"), Benchmark]
    public void Ours_Unsampled_LargeMethod() => OursLarge(_unsampled.Tracer);

    [BenchmarkCategory("Unsampled"), Benchmark]
    public void OTel_Unsampled_InlinedHelper() => OTelHelper(_unsampled.Source);

    [BenchmarkCategory("Unsampled"), Benchmark]
    public void OTel_Unsampled_LargeMethod() => OTelLarge(_unsampled.Source);

    [BenchmarkCategory("Sampled"), Benchmark(Baseline = true)]
    public void OTel_Sampled_Direct()
    {
        using var activity = _sampled.Source.StartActivity("op");
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("cache.hit", true);
    }

    [BenchmarkCategory("Sampled"), Benchmark]
    public void Ours_Sampled_Direct()
    {
        var span = _sampled.Tracer.StartSpan("op");
        span.SetAttribute("http.method", "GET");
        span.SetAttribute("http.status_code", 200);
        span.SetAttribute("cache.hit", true);
        span.End();
    }

    [BenchmarkCategory("Sampled"), Benchmark]
    public void Ours_Sampled_InlinedHelper() => OursHelper(_sampled.Tracer);

    [BenchmarkCategory("Sampled"), Benchmark]
    public void Ours_Sampled_LargeMethod() => OursLarge(_sampled.Tracer);

    [BenchmarkCategory("Sampled"), Benchmark]
    public void OTel_Sampled_InlinedHelper() => OTelHelper(_sampled.Source);

    [BenchmarkCategory("Sampled"), Benchmark]
    public void OTel_Sampled_LargeMethod() => OTelLarge(_sampled.Source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OursHelper(Tracer tracer)
    {
        var span = tracer.StartSpan("op");
        span.SetAttribute("http.method", "GET");
        span.SetAttribute("http.status_code", 200);
        span.SetAttribute("cache.hit", true);
        span.End();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OTelHelper(ActivitySource source)
    {
        using var activity = source.StartActivity("op");
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("cache.hit", true);
    }

    // A method with a lot of inlinable code ahead of the span, on a branch that is never taken: it costs nothing to run
    // but spends the JIT's inlining budget for the method, as real request handlers do.
    private void OursLarge(Tracer tracer)
    {
        if (_rare == 1)
        {
            Rare();
        }

        var span = tracer.StartSpan("op");
        span.SetAttribute("http.method", "GET");
        span.SetAttribute("http.status_code", 200);
        span.SetAttribute("cache.hit", true);
        span.End();
    }

    private void OTelLarge(ActivitySource source)
    {
        if (_rare == 1)
        {
            Rare();
        }

        using var activity = source.StartActivity("op");
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("cache.hit", true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Rare()
    {
        for (int i = 0; i < 8; i++)
        {
            _rare += Math.Max(i, _rare) + Math.Min(i, _rare) + Math.Abs(_rare - i) + Math.Clamp(_rare, 0, i);
            _rare ^= HashCode.Combine(_rare, i, _rare * 3, i * 7);
            _rare += string.Concat("a", i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Length;
            _rare += BitConverter.SingleToInt32Bits(MathF.Sqrt(_rare)) + (int)Math.Round(Math.Log(_rare + 1.0));
        }
    }
}

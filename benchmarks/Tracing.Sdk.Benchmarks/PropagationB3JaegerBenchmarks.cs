using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tracing.Sdk.Propagation;
using OTel = OpenTelemetry.Context.Propagation;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// B3 single header, ours beside OpenTelemetry.Api 1.20.1's (obsolete) B3Propagator as baseline; Jaeger on its own
/// (OpenTelemetry .NET ships no Jaeger propagator in its core packages).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PropagationB3JaegerBenchmarks
{
    private const string B3 = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1";
    private const string Uber = "80f198ee56343ba864fe8b2a57d3eff7:e457b5a2e4d86bd1:0:1";

    private static readonly System.Func<Dictionary<string, string>, string, string?> s_get = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
    private static readonly System.Func<Dictionary<string, string[]>, string, IEnumerable<string>?> s_otelGet = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
    private static readonly System.Action<Dictionary<string, string>, string, string> s_set = static (c, k, v) => c[k] = v;

    private readonly OTel.B3Propagator _otelB3 = new(singleHeader: true);
    private readonly B3Propagator _b3 = B3Propagator.Single;
    private readonly JaegerPropagator _jaeger = JaegerPropagator.Instance;
    private readonly Dictionary<string, string> _out = [];
    private readonly Dictionary<string, string> _in = new() { ["b3"] = B3, ["uber-trace-id"] = Uber };
    private readonly Dictionary<string, string[]> _otelIn = new() { ["b3"] = [B3] };
    private OTel.PropagationContext _otelContext;
    private PropagationContext _ourContext;

    [GlobalSetup]
    public void Setup()
    {
        _otelContext = _otelB3.Extract(default, _otelIn, s_otelGet);
        _ourContext = _b3.Extract(default, _in, s_get);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("B3 Inject")]
    public void OTel_B3_Inject() => _otelB3.Inject(_otelContext, _out, s_set);

    [Benchmark, BenchmarkCategory("B3 Inject")]
    public void Ours_B3_Inject() => _b3.Inject(_ourContext, _out, s_set);

    [Benchmark(Baseline = true), BenchmarkCategory("B3 Extract")]
    public System.Diagnostics.ActivityContext OTel_B3_Extract() => _otelB3.Extract(default, _otelIn, s_otelGet).ActivityContext;

    [Benchmark, BenchmarkCategory("B3 Extract")]
    public SpanContext Ours_B3_Extract() => _b3.Extract(default, _in, s_get).SpanContext;

    [Benchmark, BenchmarkCategory("Jaeger")]
    public void Ours_Jaeger_Inject() => _jaeger.Inject(_ourContext, _out, s_set);

    [Benchmark, BenchmarkCategory("Jaeger")]
    public SpanContext Ours_Jaeger_Extract() => _jaeger.Extract(default, _in, s_get).SpanContext;
}

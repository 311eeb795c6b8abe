using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tracing.Sdk.Propagation;
using OTel = OpenTelemetry.Context.Propagation;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// W3C Trace Context inject and extract, ours beside OpenTelemetry .NET 1.20.1 (the baseline of each category).
/// Carriers are reused dictionaries; OpenTelemetry's getter returns a stored array so it pays no wrapper allocation.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class PropagationW3CBenchmarks
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static readonly System.Func<Dictionary<string, string>, string, string?> s_get = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
    private static readonly System.Func<Dictionary<string, string[]>, string, IEnumerable<string>?> s_otelGet = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
    private static readonly System.Action<Dictionary<string, string>, string, string> s_set = static (c, k, v) => c[k] = v;

    private readonly OTel.TraceContextPropagator _otel = new();
    private readonly TraceContextPropagator _ours = TraceContextPropagator.Instance;
    private readonly Dictionary<string, string> _out = [];
    private Dictionary<string, string> _in = [];
    private Dictionary<string, string[]> _otelIn = [];
    private OTel.PropagationContext _otelContext;
    private PropagationContext _ourContext;

    /// <summary>How many tracestate members travel with the context.</summary>
    [Params(0, 4)]
    public int TraceStateMembers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string? traceState = TraceStateMembers == 0 ? null
            : string.Join(",", Enumerable.Range(0, TraceStateMembers).Select(i => $"vendor{i}=opaque-value-{i:x8}"));
        _in = new() { ["traceparent"] = TraceParent };
        _otelIn = new() { ["traceparent"] = [TraceParent] };
        if (traceState is not null)
        {
            _in["tracestate"] = traceState;
            _otelIn["tracestate"] = [traceState];
        }

        _ourContext = _ours.Extract(default, _in, s_get);
        _otelContext = _otel.Extract(default, _otelIn, s_otelGet);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Inject")]
    public void OTel_Inject() => _otel.Inject(_otelContext, _out, s_set);

    [Benchmark, BenchmarkCategory("Inject")]
    public void Ours_Inject() => _ours.Inject(_ourContext, _out, s_set);

    [Benchmark(Baseline = true), BenchmarkCategory("Extract")]
    public ActivityContext OTel_Extract() => _otel.Extract(default, _otelIn, s_otelGet).ActivityContext;

    [Benchmark, BenchmarkCategory("Extract")]
    public SpanContext Ours_Extract() => _ours.Extract(default, _in, s_get).SpanContext;

    [Benchmark(Baseline = true), BenchmarkCategory("InjectExtract")]
    public ActivityContext OTel_InjectExtract()
    {
        var ctx = _otel.Extract(default, _otelIn, s_otelGet);
        _otel.Inject(ctx, _out, s_set);
        return ctx.ActivityContext;
    }

    [Benchmark, BenchmarkCategory("InjectExtract")]
    public SpanContext Ours_InjectExtract()
    {
        var ctx = _ours.Extract(default, _in, s_get);
        _ours.Inject(ctx, _out, s_set);
        return ctx.SpanContext;
    }
}

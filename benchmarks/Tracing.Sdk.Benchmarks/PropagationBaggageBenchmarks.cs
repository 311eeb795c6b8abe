using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tracing.Sdk.Propagation;
using OTel = OpenTelemetry.Context.Propagation;

namespace Tracing.Sdk.Benchmarks;

/// <summary>W3C Baggage inject and extract, ours beside OpenTelemetry .NET 1.20.1 (the baseline of each category).</summary>
[MemoryDiagnoser]
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class PropagationBaggageBenchmarks
{
    private static readonly System.Func<Dictionary<string, string>, string, string?> s_get = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
    private static readonly System.Func<Dictionary<string, string[]>, string, IEnumerable<string>?> s_otelGet = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
    private static readonly System.Action<Dictionary<string, string>, string, string> s_set = static (c, k, v) => c[k] = v;

    private readonly OTel.BaggagePropagator _otel = new();
    private readonly BaggagePropagator _ours = BaggagePropagator.Instance;
    private readonly Dictionary<string, string> _out = [];
    private Dictionary<string, string> _in = [];
    private Dictionary<string, string[]> _otelIn = [];
    private OTel.PropagationContext _otelContext;
    private PropagationContext _ourContext;

    /// <summary>How many baggage members travel.</summary>
    [Params(1, 8)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Realistic values: ids, and one value with a space and a comma that must be percent-encoded.
        var items = Enumerable.Range(0, Members).ToDictionary(i => $"key{i}", i => i == 0 ? "Alice Smith, admin" : $"value-{i:x8}");
        string header = string.Join(",", items.Select(kv => $"{kv.Key}={System.Uri.EscapeDataString(kv.Value)}"));
        _in = new() { ["baggage"] = header };
        _otelIn = new() { ["baggage"] = [header] };
        _otelContext = new OTel.PropagationContext(default, OpenTelemetry.Baggage.Create(items));
        var baggage = Baggage.Empty;
        foreach (var kv in items)
        {
            baggage = baggage.SetItem(kv.Key, kv.Value);
        }

        _ourContext = new PropagationContext(default, baggage);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Inject")]
    public void OTel_Inject() => _otel.Inject(_otelContext, _out, s_set);

    /// <summary>Repeated injection of the same baggage: ours serializes a baggage once and reuses the header.</summary>
    [Benchmark, BenchmarkCategory("Inject")]
    public void Ours_Inject() => _ours.Inject(_ourContext, _out, s_set);

    /// <summary>First injection of a baggage (the cached header cleared each time): the full encoding cost.</summary>
    [Benchmark, BenchmarkCategory("Inject")]
    public void Ours_Inject_FirstTime()
    {
        _ourContext.Baggage!.W3CHeader = null;
        _ours.Inject(_ourContext, _out, s_set);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Extract")]
    public int OTel_Extract() => _otel.Extract(default, _otelIn, s_otelGet).Baggage.Count;

    [Benchmark, BenchmarkCategory("Extract")]
    public int Ours_Extract() => _ours.Extract(default, _in, s_get).Baggage!.Count;
}

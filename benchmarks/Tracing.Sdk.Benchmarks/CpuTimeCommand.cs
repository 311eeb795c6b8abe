using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// The single-thread scenarios of <see cref="SpanBenchmarks"/>, measured in the producing thread's CPU time (Linux
/// <c>CLOCK_THREAD_CPUTIME_ID</c>) with the two libraries interleaved round by round. On a shared machine whose load
/// changes from minute to minute this gives steadier ratios than wall-clock runs made one after the other; time spent
/// waiting for a CPU is excluded, cache and clock costs are not. Usage: <c>cputime [--rounds N] [--only NamePrefix]</c>.
/// </summary>
public static class CpuTimeCommand
{
    private const int OpsPerRound = 50_000;
    private static readonly AsyncLocal<object?> s_local = new();
    private static readonly object s_value = new();

    public static int Run(string[] args)
    {
        int rounds = 25;
        string only = string.Empty;
        for (int i = 1; i < args.Length - 1; i++)
        {
            if (args[i] == "--rounds")
            {
                rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--only")
            {
                only = args[i + 1];
            }
        }

        if (!OperatingSystem.IsLinux())
        {
            Console.WriteLine("cputime needs Linux (CLOCK_THREAD_CPUTIME_ID).");
            return 1;
        }

        using var sampled = new Pipelines("cpu.sampled", sampled: true);
        using var unsampled = new Pipelines("cpu.unsampled", sampled: false);
        var scenarios = new (string Name, Action OTel, Action Ours)[]
        {
            ("Sampled span, 3 attributes", () => OTelSpan(sampled), () => OurSpan(sampled)),
            ("Unsampled span, 3 attributes", () => OTelSpan(unsampled), () => OurSpan(unsampled)),
            ("Active span + scope", () => { using var a = sampled.Source.StartActivity("active"); }, () => { using var s = sampled.Tracer.StartActiveSpan("active"); }),
            ("W3C extract + inject, no tracestate", W3C.OTel, W3C.Ours),
        };

        // --only: the scenarios whose name starts with it (to profile one with perf).
        scenarios = scenarios.Where(s => s.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase)).ToArray();

        var results = scenarios.Select(_ => (OTel: new List<double>(), Ours: new List<double>())).ToArray();
        var asyncLocal = new List<double>();
        for (int round = -3; round < rounds; round++)
        {
            for (int s = 0; s < scenarios.Length; s++)
            {
                double o = Measure(scenarios[s].OTel);
                double u = Measure(scenarios[s].Ours);
                if (round >= 0)
                {
                    results[s].OTel.Add(o);
                    results[s].Ours.Add(u);
                }
            }

            double a = Measure(static () =>
            {
                var previous = s_local.Value;
                s_local.Value = s_value;
                s_local.Value = previous;
            });
            if (round >= 0)
            {
                asyncLocal.Add(a);
            }
        }

        Console.WriteLine($"Producer-thread CPU time per operation, {rounds} interleaved rounds of {OpsPerRound:N0} operations (after 3 warm-up rounds); median and minimum.");
        Console.WriteLine();
        Console.WriteLine("| Scenario | OpenTelemetry median | Tracing.Sdk median | OpenTelemetry min | Tracing.Sdk min | Speed-up (medians) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        for (int s = 0; s < scenarios.Length; s++)
        {
            double om = Median(results[s].OTel), um = Median(results[s].Ours);
            Console.WriteLine(FormattableString.Invariant(
                $"| {scenarios[s].Name} | {om:F1} ns | {um:F1} ns | {results[s].OTel.Min():F1} ns | {results[s].Ours.Min():F1} ns | {om / um:F1}x |"));
        }

        Console.WriteLine(FormattableString.Invariant($"| AsyncLocal set + restore (reference) | | {Median(asyncLocal):F1} ns | | {asyncLocal.Min():F1} ns | |"));
        Console.WriteLine();
        var stats = sampled.Processor.GetStats();
        Console.WriteLine(FormattableString.Invariant(
            $"Sampled pipeline (ours): {stats.Enqueued:N0} spans queued, {stats.DroppedQueueFull:N0} dropped (queue full), {stats.ExportAttempts:N0} exports, {sampled.Processor.WakeSignals:N0} wake-ups signalled by producers ({sampled.Processor.WakeSignals * 512.0 / Math.Max(1, stats.Enqueued):F2} per 512 spans)."));
        return 0;
    }

    /// <summary>The <c>InjectExtract</c> case of <see cref="PropagationW3CBenchmarks"/> (no tracestate), same carriers.</summary>
    private static class W3C
    {
        private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        private static readonly Func<Dictionary<string, string>, string, string?> s_get = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
        private static readonly Func<Dictionary<string, string[]>, string, IEnumerable<string>?> s_otelGet = static (c, k) => c.TryGetValue(k, out var v) ? v : null;
        private static readonly Action<Dictionary<string, string>, string, string> s_set = static (c, k, v) => c[k] = v;
        private static readonly OpenTelemetry.Context.Propagation.TraceContextPropagator s_otel = new();
        private static readonly Dictionary<string, string> s_in = new() { ["traceparent"] = TraceParent };
        private static readonly Dictionary<string, string[]> s_otelIn = new() { ["traceparent"] = [TraceParent] };
        private static readonly Dictionary<string, string> s_out = [];
        private static readonly Dictionary<string, string> s_otelOut = [];

        public static void OTel()
        {
            var ctx = s_otel.Extract(default, s_otelIn, s_otelGet);
            s_otel.Inject(ctx, s_otelOut, s_set);
        }

        public static void Ours()
        {
            var ctx = Propagation.TraceContextPropagator.Instance.Extract(default, s_in, s_get);
            Propagation.TraceContextPropagator.Instance.Inject(ctx, s_out, s_set);
        }
    }

    private static void OTelSpan(Pipelines p)
    {
        using var activity = p.Source.StartActivity("op");
        activity?.SetTag("http.method", "GET");
        activity?.SetTag("http.status_code", 200);
        activity?.SetTag("cache.hit", true);
    }

    private static void OurSpan(Pipelines p)
    {
        var span = p.Tracer.StartSpan("op");
        span.SetAttribute("http.method", "GET");
        span.SetAttribute("http.status_code", 200);
        span.SetAttribute("cache.hit", true);
        span.End();
    }

    private static double Measure(Action op)
    {
        long start = ThreadCpuNanoseconds();
        for (int i = 0; i < OpsPerRound; i++)
        {
            op();
        }

        return (ThreadCpuNanoseconds() - start) / (double)OpsPerRound;
    }

    // CLOCK_THREAD_CPUTIME_ID: the calling thread's CPU time, read precisely (schedstat only moves at scheduler ticks).
    internal static long ThreadCpuNanoseconds()
    {
        _ = ClockGetTime(3, out var t);
        return (t.Seconds * 1_000_000_000) + t.Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// <see cref="OtlpExportBenchmarks"/> measured in CPU time with the cases interleaved round by round: OpenTelemetry's
/// export, ours, and the transport floor (the same request, serialized once, through a plain <c>HttpClient</c>). Per
/// span: the exporting thread's CPU time (serialization and the client's share of the send), the whole process's CPU
/// time (with the HTTP stack's thread-pool work and the in-process receiver) and wall time. One export here is one
/// operation of the benchmark: <see cref="OtlpExportBenchmarks.ExportsPerOp"/> batches, then a flush that waits for them. On a shared machine whose
/// cores are oversubscribed, wall time there is mostly time spent waiting for a core; CPU time is what an export costs.
/// Usage: <c>exportcpu [--rounds N] [--exports N] [--protocol both|grpc|http] [--only otel|ours|floor]</c> (one case alone, for a profiler or <c>perf stat</c>).
/// </summary>
public static class ExportCpuCommand
{
    private const int BatchSize = 512;

    public static int Run(string[] args)
    {
        int rounds = int.Parse(OtlpEndToEnd.Arg(args, "--rounds", "20"), CultureInfo.InvariantCulture);
        int exports = int.Parse(OtlpEndToEnd.Arg(args, "--exports", "40"), CultureInfo.InvariantCulture);
        string protocol = OtlpEndToEnd.Arg(args, "--protocol", "both");

        // --only otel|ours|floor: one case alone (for a profiler), no ratios.
        string only = OtlpEndToEnd.Arg(args, "--only", "all");
        if (!OperatingSystem.IsLinux())
        {
            Console.WriteLine("exportcpu needs Linux (CLOCK_THREAD_CPUTIME_ID).");
            return 1;
        }

        Console.WriteLine($"CPU time per span exported, batches of {BatchSize}, {rounds} interleaved rounds of {exports} operations each (an operation: {OtlpExportBenchmarks.ExportsPerOp} exports, then a flush that waits for them; after 450 warm-up operations per case); medians.");
        Console.WriteLine();
        Console.WriteLine("| protocol | case | exporting thread CPU | process CPU (with receiver) | wall |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var transport in protocol == "both" ? new[] { "grpc", "http" } : new[] { protocol })
        {
            var bench = new OtlpExportBenchmarks { Transport = transport };
            bench.Setup();
            try
            {
                var cases = new (string Name, Func<object> Op)[]
                {
                    ("OpenTelemetry 1.20.1", () => bench.OpenTelemetry()),
                    ("Tracing.Sdk", () => bench.TracingSdk()),
                    ("transport floor (HttpClient, prebuilt body)", () => bench.TransportFloor()),
                };
                if (only != "all")
                {
                    cases = [cases[only switch { "otel" => 0, "ours" => 1, _ => 2 }]];
                }

                // Warm-up, not measured: the tiered JIT promotes hot methods on a background thread, which on a busy
                // machine needs time; a few hundred exports per case and pauses let it finish first.
                for (int pass = 0; pass < 3; pass++)
                {
                    foreach (var c in cases)
                    {
                        for (int i = 0; i < 150; i++)
                        {
                            c.Op();
                        }
                    }

                    System.Threading.Thread.Sleep(1000);
                }

                var thread = cases.Select(_ => new List<double>()).ToArray();
                var process = cases.Select(_ => new List<double>()).ToArray();
                var wall = cases.Select(_ => new List<double>()).ToArray();
                for (int round = 0; round < rounds; round++)
                {
                    for (int c = 0; c < cases.Length; c++)
                    {
                        var self = Process.GetCurrentProcess();
                        var cpu0 = self.TotalProcessorTime;
                        long thread0 = CpuTimeCommand.ThreadCpuNanoseconds();
                        long wall0 = Stopwatch.GetTimestamp();
                        for (int i = 0; i < exports; i++)
                        {
                            cases[c].Op();
                        }

                        double spans = (double)exports * OtlpExportBenchmarks.ExportsPerOp * BatchSize;
                        double w = Stopwatch.GetElapsedTime(wall0).TotalNanoseconds / spans;
                        double t = (CpuTimeCommand.ThreadCpuNanoseconds() - thread0) / spans;
                        self.Refresh();
                        double p = (self.TotalProcessorTime - cpu0).TotalNanoseconds / spans;
                        thread[c].Add(t);
                        process[c].Add(p);
                        wall[c].Add(w);
                    }
                }

                for (int c = 0; c < cases.Length; c++)
                {
                    Console.WriteLine(FormattableString.Invariant(
                        $"| OTLP/{transport} | {cases[c].Name} | {CpuTimeCommand.Median(thread[c]):F0} ns | {CpuTimeCommand.Median(process[c]):F0} ns | {CpuTimeCommand.Median(wall[c]):F0} ns |"));
                }

                if (cases.Length < 3)
                {
                    continue;
                }

                double otel = CpuTimeCommand.Median(process[0]);
                double ours = CpuTimeCommand.Median(process[1]);
                double floor = CpuTimeCommand.Median(process[2]);
                Console.WriteLine(FormattableString.Invariant(
                    $"| OTLP/{transport} | OpenTelemetry / Tracing.Sdk (process CPU) | {CpuTimeCommand.Median(thread[0]) / CpuTimeCommand.Median(thread[1]):F2}x | {otel / ours:F2}x | {CpuTimeCommand.Median(wall[0]) / CpuTimeCommand.Median(wall[1]):F2}x |"));
                Console.WriteLine(FormattableString.Invariant(
                    $"| OTLP/{transport} | best possible with this transport: OpenTelemetry / floor | | {otel / floor:F2}x | |"));
            }
            finally
            {
                bench.Cleanup();
            }
        }

        return 0;
    }
}

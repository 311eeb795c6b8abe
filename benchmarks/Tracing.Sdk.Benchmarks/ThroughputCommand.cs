using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using OpenTelemetry.Trace;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Sustained throughput: two producer threads end sampled spans (start, three attributes, end) as fast as they can for
/// a fixed time into each library's batch processor (default knobs), then the provider is shut down (flushing what is
/// queued). Prints spans ended per second, exported and dropped for both libraries.
/// <c>... -- throughput [--seconds 10] [--producers 2]</c> (the growth table runs it with 1, 2 and 4 producers).
/// </summary>
public static class ThroughputCommand
{
    private static int s_producers = 2;

    public static int Run(string[] args)
    {
        int seconds = 10;
        for (int i = 1; i < args.Length - 1; i++)
        {
            if (args[i] == "--seconds")
            {
                seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }

            if (args[i] == "--producers")
            {
                s_producers = Math.Max(1, int.Parse(args[i + 1], CultureInfo.InvariantCulture));
            }
        }

        Console.WriteLine($"Sustained throughput: {s_producers} producer threads, {seconds} s per library (two alternating halves, after a 1 s warm-up each), default batch knobs (queue 2048, batch 512, delay 5 s), exporter that discards.");
        Console.WriteLine();
        Console.WriteLine("| Library | Spans ended | Ended/s | Exported | Dropped | Dropped % | Accounted (ended = exported + dropped) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        // A one-second unmeasured run of each first (JIT tiers, pools), then alternating halves so that a change in the
        // shared machine's load hits both libraries alike.
        RunOTel(1);
        RunOurs(1);
        var otel = (Ended: 0L, Exported: 0L, Dropped: 0L, Exact: true);
        var ours = otel;
        for (int round = 0; round < 2; round++)
        {
            int part = round == 0 ? seconds / 2 : seconds - (seconds / 2);
            if (part == 0)
            {
                continue;
            }

            var o = RunOTel(part);
            var u = RunOurs(part);
            otel = (otel.Ended + o.Ended, otel.Exported + o.Exported, otel.Dropped + o.Dropped, otel.Exact && o.Exact);
            ours = (ours.Ended + u.Ended, ours.Exported + u.Exported, ours.Dropped + u.Dropped, ours.Exact && u.Exact);
        }

        Print("OpenTelemetry 1.20.1", otel, seconds);
        Print("Tracing.Sdk", ours, seconds);
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"Ratio of ended/s (Tracing.Sdk / OpenTelemetry): {(double)ours.Ended / otel.Ended:F2}"));
        return 0;
    }

    private static void Print(string name, (long Ended, long Exported, long Dropped, bool Exact) r, int seconds) =>
        Console.WriteLine(FormattableString.Invariant(
            $"| {name} | {r.Ended:N0} | {r.Ended / (double)seconds:N0} | {r.Exported:N0} | {r.Dropped:N0} | {100.0 * r.Dropped / Math.Max(1, r.Ended):F1} | {(r.Exact ? "yes" : "no")} |"));

    private static (long Ended, long Exported, long Dropped, bool Exact) RunOTel(int seconds)
    {
        using var p = new Pipelines("throughput.otel", sampled: true);
        var source = p.Source;
        long ended = Produce(seconds, () =>
        {
            using var activity = source.StartActivity("op");
            activity?.SetTag("http.method", "GET");
            activity?.SetTag("http.status_code", 200);
            activity?.SetTag("cache.hit", true);
        });
        p.OTel.Shutdown(30_000);
        long exported = p.OTelExporter.Spans;

        // OpenTelemetry counts its drops internally only; every ended span is either exported or dropped.
        return (ended, exported, ended - exported, true);
    }

    private static (long Ended, long Exported, long Dropped, bool Exact) RunOurs(int seconds)
    {
        using var p = new Pipelines("throughput.ours", sampled: true);
        var tracer = p.Tracer;
        long ended = Produce(seconds, () =>
        {
            var span = tracer.StartSpan("op");
            span.SetAttribute("http.method", "GET");
            span.SetAttribute("http.status_code", 200);
            span.SetAttribute("cache.hit", true);
            span.End();
        });
        p.Ours.Shutdown(TimeSpan.FromSeconds(30));
        long exported = p.Processor.Exported;
        long dropped = p.Processor.Dropped;
        return (ended, exported, dropped, exported == p.Exporter.Spans && ended == exported + dropped);
    }

    private static long Produce(int seconds, Action span)
    {
        var counts = new long[s_producers * 16];
        var stop = false;
        var threads = new Thread[s_producers];
        using var start = new ManualResetEventSlim(false);
        for (int t = 0; t < s_producers; t++)
        {
            int slot = t * 16;
            threads[t] = new Thread(() =>
            {
                start.Wait();
                long n = 0;
                while (!Volatile.Read(ref stop))
                {
                    for (int i = 0; i < 256; i++)
                    {
                        span();
                    }

                    n += 256;
                }

                counts[slot] = n;
            });
            threads[t].Start();
        }

        var sw = Stopwatch.StartNew();
        start.Set();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref stop, true);
        long total = 0;
        for (int t = 0; t < s_producers; t++)
        {
            threads[t].Join();
            total += counts[t * 16];
        }

        return total;
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// End-to-end throughput: two producer threads → each SDK's batch processor with default knobs → its OTLP exporter
/// (gRPC and/or HTTP/protobuf) → a receiver in another process on loopback (this program started again with
/// <c>receiver</c>), which counts the spans it is sent.
/// <list type="bullet">
/// <item>Default mode: for each SDK and protocol, finds the highest span rate sustained for the trial length with no span
/// lost (every produced span counted by the receiver) and the producers keeping the pace (spans spaced evenly; a
/// producer that fell behind catches up at twice its rate at most, see <c>Produce</c>).
/// <c>dotnet run -c Release --project benchmarks/Tracing.Sdk.Benchmarks -- e2e [--seconds 30] [--start 25000] [--sdk both|ours|otel] [--protocol both|grpc|http]</c></item>
/// <item>Full speed (<c>--full-speed</c>): the producers end spans as fast as they can; reports spans ended and spans
/// delivered (counted by the receiver) per second, the libraries alternating round by round so a shared machine's load
/// hits them alike. <c>... -- e2e --full-speed [--seconds 8] [--rounds 3] [--protocol both|grpc|http]</c></item>
/// </list>
/// <c>--slots N</c> sets our exporter's <c>MaxConcurrentExports</c> (default: the option's default).
/// </summary>
public static class OtlpEndToEnd
{
    private const string SourceName = "e2e";

    // A paced producer that fell behind catches up at most this many times its rate (see Produce).
    private const double CatchUpFactor = 2.0;

    // The most a paced producer makes at once after a stall: this many milliseconds at the catch-up pace (see Produce).
    private const double BurstMilliseconds = 2.0;

    // The two producer threads, the same for every trial of the process (see ProducerHost).
    private static readonly ProducerHost[] s_producers = [new ProducerHost(0), new ProducerHost(1)];

    // Our exporter's MaxConcurrentExports (--slots), or 0 for the option's default.
    private static int s_slots;

    // --watch: sample our processor's counts every millisecond and print the timeline before its first queue-full drop.
    private static bool s_watch;

    // Spans each pipeline sends and flushes before its trial (see Prime).
    private const int PrimeSpans = 512;

    // The warm-up trial's rate: enough batches (about 300 in 3 s) that both libraries' export paths run tier-1 code
    // before the first counted trial; at 2,000/s (12 batches) they were still at tier 0 in it.
    private const int WarmUpRate = 50_000;

    /// <summary>Our exporter runs behind the SDK's batch processor with its default (specification) settings, as OpenTelemetry's does.</summary>
    internal static BatchExportProcessor CreateProcessor(SpanExporter exporter) => new(exporter);

    public static int RunReceiver(string[] args)
    {
        int grpcPort = int.Parse(Arg(args, "--grpc-port", "0"), CultureInfo.InvariantCulture);
        int httpPort = int.Parse(Arg(args, "--http-port", "0"), CultureInfo.InvariantCulture);
        var receiver = OtlpLoopbackReceiver.StartAsync(grpcPort, httpPort).GetAwaiter().GetResult();
        Console.WriteLine("ready " + receiver.GrpcEndpoint + " " + receiver.HttpEndpoint);
        Console.Out.Flush();

        // Runs until the parent closes our stdin.
        while (Console.In.ReadLine() is not null)
        {
        }

        receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    public static int Run(string[] args)
    {
        bool fullSpeed = Array.IndexOf(args, "--full-speed") >= 0;
        int seconds = int.Parse(Arg(args, "--seconds", fullSpeed ? "8" : "30"), CultureInfo.InvariantCulture);
        int start = int.Parse(Arg(args, "--start", "25000"), CultureInfo.InvariantCulture);
        int rounds = int.Parse(Arg(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        string sdk = Arg(args, "--sdk", "both");
        string protocol = Arg(args, "--protocol", "both");
        s_slots = int.Parse(Arg(args, "--slots", "0"), CultureInfo.InvariantCulture);
        s_watch = Array.IndexOf(args, "--watch") >= 0;
        int grpcPort = FreePort();
        int httpPort = FreePort();
        using var child = StartReceiver(grpcPort, httpPort);
        using var http = new HttpClient();
        var target = new Target(
            new Uri($"http://127.0.0.1:{grpcPort}"),
            new Uri($"http://127.0.0.1:{httpPort}/v1/traces"),
            new Uri($"http://127.0.0.1:{httpPort}/count"),
            http);
        string[] sdks = sdk == "both" ? ["otel", "ours"] : [sdk];
        string[] protocols = protocol == "both" ? ["grpc", "http"] : [protocol];
        try
        {
            if (fullSpeed)
            {
                FullSpeed(sdks, protocols, seconds, rounds, target);
                return 0;
            }

            var results = new List<(string Sdk, string Protocol, long Rate)>();
            foreach (var p in protocols)
            {
                foreach (var (name, rate) in Search(sdks, p, start, seconds, target))
                {
                    results.Add((name, p, rate));
                }
            }

            Console.WriteLine();
            Console.WriteLine("| SDK | protocol | highest rate sustained " + seconds + " s with no drop (spans/s) |");
            Console.WriteLine("|---|---|---:|");
            foreach (var (name, p, rate) in results)
            {
                Console.WriteLine($"| {SdkName(name)} | OTLP/{p} | {rate:N0} |");
            }

            foreach (var p in protocols)
            {
                long otel = results.Find(r => r.Sdk == "otel" && r.Protocol == p).Rate;
                long ours = results.Find(r => r.Sdk == "ours" && r.Protocol == p).Rate;
                if (otel > 0 && ours > 0)
                {
                    Console.WriteLine($"| Tracing.Sdk / OpenTelemetry | OTLP/{p} | {(double)ours / otel:F2}x |");
                }
            }

            return 0;
        }
        finally
        {
            child.StandardInput.Close();
            child.WaitForExit(10_000);
        }
    }

    /// <summary>Producers at full speed, default queue: what each pipeline delivers while the application outruns it.</summary>
    private static void FullSpeed(string[] sdks, string[] protocols, int seconds, int rounds, Target target)
    {
        // Warm-up (not counted): connection set-up and JIT.
        foreach (var p in protocols)
        {
            foreach (var name in sdks)
            {
                RunPipeline(name, p, target, (_, make) => Produce(WarmUpRate, 2, make));
            }
        }

        var totals = new Dictionary<(string, string), (double Ended, double Delivered, int N, double Wire)>();
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var p in protocols)
            {
                foreach (var name in sdks)
                {
                    long before = 0;
                    long bytesBefore = 0;
                    long delivered = 0;
                    double elapsed = 0;
                    long ended = 0;
                    string detail = RunPipeline(name, p, target, (baseline, make) =>
                    {
                        before = baseline;
                        bytesBefore = Bytes(target);
                        var (produced, wall) = ProduceFullSpeed(seconds, make);
                        ended = produced;
                        elapsed = wall;

                        // Counted before shutdown: what arrived while the producers ran, not the final flush.
                        delivered = Count(target) - before;
                        return (produced, (long)(produced / wall));
                    });
                    var key = (name, p);
                    var t = totals.GetValueOrDefault(key);
                    long spansAll = Count(target) - before;
                    double wire = spansAll > 0 ? (double)(Bytes(target) - bytesBefore) / spansAll : 0;
                    totals[key] = (t.Ended + (ended / elapsed), t.Delivered + (delivered / elapsed), t.N + 1, wire);
                    Console.WriteLine($"round {round} {name,-5} OTLP/{p,-4} ended {ended / elapsed,12:N0}/s delivered {delivered / elapsed,10:N0}/s, {wire:F1} request bytes per span {detail}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| SDK | protocol | spans ended per second | spans delivered per second (default queue, mean of {rounds} rounds of {seconds} s) | request bytes per span |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var ((name, p), t) in totals)
        {
            Console.WriteLine($"| {SdkName(name)} | OTLP/{p} | {t.Ended / t.N:N0} | {t.Delivered / t.N:N0} | {t.Wire:F1} |");
        }

        foreach (var p in protocols)
        {
            if (totals.TryGetValue(("otel", p), out var otel) && totals.TryGetValue(("ours", p), out var ours) && otel.Delivered > 0)
            {
                Console.WriteLine($"| Tracing.Sdk / OpenTelemetry | OTLP/{p} | {ours.Ended / otel.Ended:F2}x | {ours.Delivered / otel.Delivered:F2}x |");
            }
        }
    }

    private static string SdkName(string sdk) => sdk == "ours" ? "Tracing.Sdk" : "OpenTelemetry 1.20.1";

    /// <summary>
    /// The highest drop-free rate of each SDK, the SDKs' trials interleaved at every step (same rate, back to back), so a
    /// shared machine's changing load hits them alike: rates double from <paramref name="start"/> until a trial fails
    /// (or halve until one passes), then one bisection step between the last good and the first bad rate.
    /// </summary>
    private static List<(string Sdk, long Rate)> Search(string[] sdks, string protocol, int start, int seconds, Target target)
    {
        // Warm-up (not counted): connection set-up and JIT would otherwise land in the first trial.
        foreach (var sdk in sdks)
        {
            Trial(sdk, protocol, WarmUpRate, 3, target);
        }

        var good = new Dictionary<string, long>();
        var bad = new Dictionary<string, long>();
        foreach (var sdk in sdks)
        {
            good[sdk] = 0;
            bad[sdk] = 0;
        }

        // One trial per SDK at this rate, remembering the highest rate it passed and the lowest it failed.
        void RunTrials(string[] running, long rate)
        {
            foreach (var sdk in running)
            {
                if (Trial(sdk, protocol, rate, seconds, target))
                {
                    good[sdk] = rate;
                }
                else
                {
                    bad[sdk] = rate;
                }
            }
        }

        // Up from the start rate while an SDK passes; down from it for an SDK that failed there.
        for (long rate = start; rate <= 4_000_000; rate *= 2)
        {
            var running = Array.FindAll(sdks, sdk => bad[sdk] == 0 && (rate == start || good[sdk] > 0));
            if (running.Length == 0)
            {
                break;
            }

            RunTrials(running, rate);
        }

        for (long rate = start / 2; rate >= 500; rate /= 2)
        {
            var running = Array.FindAll(sdks, sdk => good[sdk] == 0);
            if (running.Length == 0)
            {
                break;
            }

            RunTrials(running, rate);
        }

        // One bisection step between the last good and the first bad rate.
        foreach (var sdk in sdks)
        {
            if (bad[sdk] > 0 && good[sdk] > 0)
            {
                long mid = (good[sdk] + bad[sdk]) / 2;
                if (Trial(sdk, protocol, mid, seconds, target))
                {
                    good[sdk] = mid;
                }
            }
        }

        var found = new List<(string, long)>();
        foreach (var sdk in sdks)
        {
            found.Add((sdk, good[sdk]));
        }

        return found;
    }

    private static bool Trial(string sdk, string protocol, long rate, int seconds, Target target)
    {
        long before = 0;
        long produced = 0;
        long achieved = 0;
        string detail = RunPipeline(sdk, protocol, target, (baseline, make) =>
        {
            before = baseline;
            (produced, achieved) = Produce(rate, seconds, make);
            return (produced, achieved);
        });

        // The receiver counts asynchronously: wait until it stops changing.
        long received = Count(target) - before;
        for (int quiet = 0; quiet < 10 && received < produced; quiet++)
        {
            Thread.Sleep(500);
            long now = Count(target) - before;
            quiet = now == received ? quiet : 0;
            received = now;
        }

        bool ok = received == produced && achieved >= rate * 0.97;
        Console.WriteLine($"{sdk,-5} OTLP/{protocol,-4} target {rate,10:N0}/s achieved {achieved,10:N0}/s produced {produced,11:N0} received {received,11:N0} -> {(ok ? "ok" : "FAIL")}   {detail}");
        return ok;
    }

    /// <summary>
    /// Builds one SDK's pipeline (default batch knobs, OTLP over <paramref name="protocol"/>), primes it (see
    /// <see cref="Prime"/>), lets <paramref name="run"/> drive it with the receiver's count to start from and the
    /// span-making action, then shuts it down (flushing what is queued).
    /// </summary>
    /// <returns>The pipeline's own counts, for the log.</returns>
    private static string RunPipeline(string sdk, string protocol, Target target, Func<long, Action, (long Produced, long Achieved)> run)
    {
        bool grpc = protocol == "grpc";
        long counted = Count(target);
        if (sdk == "ours")
        {
            var options = new Tracing.Sdk.Exporter.Otlp.OtlpExporterOptions
            {
                Endpoint = grpc ? target.Grpc : target.Http,
                Protocol = grpc ? Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.Grpc : Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.HttpProtobuf,
            };
            if (s_slots > 0)
            {
                options.MaxConcurrentExports = s_slots;
            }

            var exporter = new Tracing.Sdk.Exporter.Otlp.OtlpTraceExporter(options);
            var processor = CreateProcessor(exporter);
            using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("e2e").AddProcessor(processor).Build();
            var tracer = provider.GetTracer(SourceName, "1.0");
            Action make = () =>
            {
                var span = tracer.StartRootSpan("GET /api/items", SpanKind.Server);
                span.SetAttribute("http.request.method", "GET");
                span.SetAttribute("url.path", "/api/items");
                span.SetAttribute("http.response.status_code", 200);
                span.SetAttribute("server.address", "example.com");
                span.SetAttribute("server.port", 443);
                span.AddEvent("handler.start");
                span.End();
            };
            long baseline = Prime(target, counted, make, () => provider.ForceFlush(TimeSpan.FromSeconds(30)));
            using var watch = s_watch ? new DropWatch(processor) : null;
            var (produced, _) = run(baseline, make);
            watch?.Dispose();
            provider.Shutdown(TimeSpan.FromSeconds(30));
            bool exact = produced + PrimeSpans == processor.Exported + processor.Dropped;
            return $"(processor: exported {processor.Exported:N0} dropped {processor.Dropped:N0}, ended = exported + dropped: {(exact ? "yes" : "NO")}; exporter dropped {exporter.DroppedSpans} retries {exporter.Retries})";
        }

        using var source = new ActivitySource(SourceName, "1.0");
        using var otel = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource(SourceName)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = grpc ? target.Grpc : target.Http;
                o.Protocol = grpc ? OpenTelemetry.Exporter.OtlpExportProtocol.Grpc : OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
            })
            .Build();
        Action makeActivity = () =>
        {
            using var a = source.StartActivity("GET /api/items", ActivityKind.Server);
            a?.SetTag("http.request.method", "GET");
            a?.SetTag("url.path", "/api/items");
            a?.SetTag("http.response.status_code", 200);
            a?.SetTag("server.address", "example.com");
            a?.SetTag("server.port", 443);
            a?.AddEvent(new ActivityEvent("handler.start"));
        };
        run(Prime(target, counted, makeActivity, () => otel.ForceFlush(30_000)), makeActivity);
        otel.ForceFlush(30_000);
        return string.Empty;
    }

    /// <summary>
    /// Before a pipeline's trial: one batch of spans, flushed, so its connection to the receiver is open when the clock
    /// starts. Without it the first request's connection set-up (several milliseconds, with every request behind it
    /// waiting) fell inside the trial and decided the drop-free rate at high rates, for either library.
    /// </summary>
    /// <returns>
    /// The receiver's count the trial starts from: <paramref name="counted"/> (read before the pipeline was built) plus
    /// the primed spans, once they have arrived (at most 10 s). A flush may return before the receiver has counted its
    /// batch (OpenTelemetry's did over HTTP once: a trial then counted 512 spans more than it produced and failed).
    /// </returns>
    private static long Prime(Target target, long counted, Action make, Action flush)
    {
        for (int i = 0; i < PrimeSpans; i++)
        {
            make();
        }

        flush();
        long expected = counted + PrimeSpans;
        var waited = Stopwatch.StartNew();
        while (Count(target) < expected && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(10);
        }

        return expected;
    }

    /// <summary>Two producers ending spans as fast as they can for <paramref name="seconds"/>.</summary>
    private static (long Produced, double Seconds) ProduceFullSpeed(int seconds, Action makeSpan)
    {
        long produced = 0;
        using var stop = new ManualResetEventSlim(false);
        var threads = s_producers;
        long start = Stopwatch.GetTimestamp();
        foreach (var t in threads)
        {
            t.Start(() =>
            {
                long mine = 0;
                while (!stop.IsSet)
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        makeSpan();
                    }

                    mine += 1000;
                }

                Interlocked.Add(ref produced, mine);
            });
        }

        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        stop.Set();
        foreach (var t in threads)
        {
            t.End();
        }

        return (produced, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>
    /// Two producers at a steady rate, each spacing its spans by the clock (a due count; a 1 ms sleep when not behind).
    /// After a stall — a sleep that overslept, a thread waiting for a core — a producer catches up at no more than
    /// <see cref="CatchUpFactor"/> times its rate (a token bucket holding <see cref="BurstMilliseconds"/> at that pace:
    /// enough for a 1 ms sleep that overslept, not for a stall's whole backlog), so the stall's backlog arrives spread
    /// out, not as one burst at the library's full speed. Both libraries' producers then offer the same
    /// arrival pattern to their pipelines, although their full speeds differ several-fold; before, a backlog of
    /// thousands of spans arrived within a millisecond with ours and in several with OpenTelemetry's, and a drop-free
    /// trial measured which burst outran a 2,048-span queue rather than what each exporter sustains. The bucket first
    /// held 10 ms at the catch-up pace, i.e. after a stall of 10 ms or more the backlog of 20 ms at the trial's rate
    /// still came as one burst at full speed: at 200,000 spans/s, 4,000 spans within half a millisecond, twice the
    /// queue, while the export thread woke (<c>--watch</c> showed such trials losing spans with nothing in flight).
    /// </summary>
    private static (long Produced, long Achieved) Produce(long rate, int seconds, Action makeSpan)
    {
        long produced = 0;
        var duration = TimeSpan.FromSeconds(seconds);
        var threads = s_producers;
        long start = Stopwatch.GetTimestamp();
        foreach (var t in threads)
        {
            t.Start(() =>
            {
                double perThread = rate / 2.0;
                double catchUpPerTick = perThread * CatchUpFactor / Stopwatch.Frequency;
                double bucket = Math.Max(16, perThread * CatchUpFactor * BurstMilliseconds / 1000);
                double tokens = bucket;
                long last = start;
                long mine = 0;
                while (true)
                {
                    long now = Stopwatch.GetTimestamp();
                    double elapsed = (double)(now - start) / Stopwatch.Frequency;
                    if (elapsed >= duration.TotalSeconds)
                    {
                        break;
                    }

                    tokens = Math.Min(bucket, tokens + ((now - last) * catchUpPerTick));
                    last = now;
                    long owed = (long)(elapsed * perThread) - mine;
                    if (owed <= 0)
                    {
                        Thread.Sleep(1);
                        continue;
                    }

                    long n = Math.Min(Math.Min(owed, (long)tokens), 1000);
                    if (n <= 0)
                    {
                        // Catching up faster than the bucket allows: give the core away briefly instead of oversleeping.
                        Thread.Yield();
                        continue;
                    }

                    for (long i = 0; i < n; i++)
                    {
                        makeSpan();
                    }

                    mine += n;
                    tokens -= n;
                }

                Interlocked.Add(ref produced, mine);
            });
        }

        foreach (var t in threads)
        {
            t.End();
        }

        return (produced, (long)(produced / Stopwatch.GetElapsedTime(start).TotalSeconds));
    }

    internal static long Count(HttpClient http, Uri countUri) =>
        long.Parse(http.GetStringAsync(countUri).GetAwaiter().GetResult(), CultureInfo.InvariantCulture);

    private static long Count(Target target) => Count(target.Client, target.CountUri);

    // Bytes of request bodies (protobuf, after the gRPC prefix for gRPC) the receiver has counted.
    private static long Bytes(Target target) => Count(target.Client, new Uri(target.CountUri, "/bytes"));

    internal static Process StartReceiver(int grpcPort, int httpPort)
    {
        var self = Environment.ProcessPath!;
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            arguments.Add(typeof(OtlpEndToEnd).Assembly.Location);
        }

        arguments.AddRange(["receiver", "--grpc-port", grpcPort.ToString(CultureInfo.InvariantCulture), "--http-port", httpPort.ToString(CultureInfo.InvariantCulture)]);
        var (child, line) = StartChild(self, arguments);
        Console.WriteLine("receiver process " + child.Id + ": " + line);
        return child;
    }

    /// <summary>
    /// Starts a child process that prints <c>ready ...</c> on stdout once it serves and stops when its stdin closes
    /// (the receiver, the web benchmark's apps); returns it with that line.
    /// </summary>
    internal static (Process Child, string ReadyLine) StartChild(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var child = Process.Start(info)!;
        string? line;
        while ((line = child.StandardOutput.ReadLine()) is not null && !line.StartsWith("ready", StringComparison.Ordinal))
        {
        }

        if (line is null)
        {
            child.WaitForExit(10_000);
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited before it was ready.");
        }

        return (child, line);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    internal static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>The receiver process's endpoints and the client that reads its count.</summary>
    private sealed record Target(Uri Grpc, Uri Http, Uri CountUri, HttpClient Client);

    /// <summary>
    /// <c>--watch</c>: samples our processor's queue depth, spans in flight and counts about every millisecond, and at
    /// the first queue-full drop prints the 80 samples before it, with the process's GC pause time: whether the export
    /// thread stopped draining (depth grows, little in flight), the receiver stopped answering (in flight at its most),
    /// or the whole process stood still (a GC, a stall that also stopped the producers).
    /// </summary>
    private sealed class DropWatch : IDisposable
    {
        private const int History = 80;
        private readonly BatchExportProcessor _processor;
        private readonly Thread _thread;
        private volatile bool _stop;

        public DropWatch(BatchExportProcessor processor)
        {
            _processor = processor;
            _thread = new Thread(Loop) { IsBackground = true, Name = "e2e drop watch" };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }

        private void Loop()
        {
            var samples = new (long Ticks, Tracing.Sdk.Diagnostics.BatchExportStats Stats, double GcPauseMs, int Gen0, int Gen2)[History];
            int next = 0;
            long start = Stopwatch.GetTimestamp();
            long maxGapTicks = 0;
            long last = start;
            while (!_stop)
            {
                long now = Stopwatch.GetTimestamp();
                maxGapTicks = Math.Max(maxGapTicks, now - last);
                last = now;
                var stats = _processor.GetStats();
                samples[next % History] = (now, stats, GC.GetTotalPauseDuration().TotalMilliseconds, GC.CollectionCount(0), GC.CollectionCount(2));
                next++;
                if (stats.DroppedQueueFull > 0)
                {
                    Console.WriteLine($"watch: first queue-full drop {Stopwatch.GetElapsedTime(start).TotalSeconds:F3} s into the trial; the {History} samples before it:");
                    Console.WriteLine("watch:     t ms   depth  inflight  enqueued  exported  attempts  dropped  gc-pause-ms gen0 gen2");
                    for (int i = Math.Max(0, next - History); i < next; i++)
                    {
                        var (ticks, s, gc, g0, g2) = samples[i % History];
                        Console.WriteLine($"watch: {(ticks - start) * 1000.0 / Stopwatch.Frequency,8:F1} {s.QueueDepth,7} {s.InFlight,9} {s.Enqueued,9} {s.Exported,9} {s.ExportAttempts,9} {s.DroppedQueueFull,8} {gc,12:F2} {g0,4} {g2,4}");
                    }

                    return;
                }

                Thread.Sleep(1);
            }

            Console.WriteLine($"watch: no queue-full drop; longest gap between samples {maxGapTicks * 1000.0 / Stopwatch.Frequency:F1} ms");
        }
    }

    /// <summary>
    /// One producer thread that lives as long as the process and runs each trial's loop: a trial measures a pipeline
    /// fed by threads that have produced before, as an application's request threads have. With two new threads per
    /// trial, each trial began with our per-thread record pools empty: the first milliseconds allocated the records
    /// the queue holds at that rate, and the first collections promoted them (gen0 pauses of 5–7 ms, <c>--watch</c>),
    /// which decided high-rate trials. OpenTelemetry allocates an <c>Activity</c> per span either way.
    /// </summary>
    private sealed class ProducerHost
    {
        private readonly SemaphoreSlim _go = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private Action? _job;
        private Exception? _failure;

        public ProducerHost(int index)
        {
            new Thread(Loop) { IsBackground = true, Name = "e2e producer " + index.ToString(CultureInfo.InvariantCulture) }.Start();
        }

        /// <summary>Runs <paramref name="job"/> on the thread (<see cref="End"/> waits for it).</summary>
        public void Start(Action job)
        {
            _job = job;
            _go.Release();
        }

        /// <summary>Waits for the loop to return; rethrows what it threw.</summary>
        public void End()
        {
            _done.Wait();
            if (_failure is { } failure)
            {
                _failure = null;
                throw new InvalidOperationException("A producer failed.", failure);
            }
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                try
                {
                    _job!();
                }
                catch (Exception ex)
                {
                    _failure = ex;
                }
                finally
                {
                    _job = null;
                    _done.Release();
                }
            }
        }
    }
}

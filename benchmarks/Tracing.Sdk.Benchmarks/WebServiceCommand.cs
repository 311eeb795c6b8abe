using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// What a web service pays for tracing: the same ASP.NET Core app (benchmarks/Tracing.Sdk.Benchmarks.WebApp, one
/// endpoint making one HttpClient call) run as three processes — untraced, traced by Tracing.Sdk, traced by
/// OpenTelemetry .NET 1.20.1 (100% sampled, server + client span per request, OTLP to a receiver process on loopback) —
/// driven in turn by a closed-loop load generator in this process, the apps interleaved round by round (order rotated)
/// so the shared machine's load hits them alike.
/// <c>dotnet run -c Release --project benchmarks/Tracing.Sdk.Benchmarks -- web [--rounds 5] [--seconds 10]
/// [--connections 16] [--warmup 30] [--protocol grpc|http] [--app path/to/Tracing.Sdk.Benchmarks.WebApp.dll]
/// [--alloc-profile] [--baseline-app path/to/another/build/Tracing.Sdk.Benchmarks.WebApp.dll]</c>; the last prints each app's sampled allocations by type at the end (it costs, so its figures
/// are not the benchmark's).
/// </summary>
public static class WebServiceCommand
{
    public static int Run(string[] args)
    {
        int rounds = int.Parse(OtlpEndToEnd.Arg(args, "--rounds", "5"), CultureInfo.InvariantCulture);
        int seconds = int.Parse(OtlpEndToEnd.Arg(args, "--seconds", "10"), CultureInfo.InvariantCulture);
        int connections = int.Parse(OtlpEndToEnd.Arg(args, "--connections", "16"), CultureInfo.InvariantCulture);
        int warmup = int.Parse(OtlpEndToEnd.Arg(args, "--warmup", "30"), CultureInfo.InvariantCulture);
        string protocol = OtlpEndToEnd.Arg(args, "--protocol", "grpc");
        string app = OtlpEndToEnd.Arg(args, "--app", DefaultAppPath());
        bool profile = Array.IndexOf(args, "--alloc-profile") >= 0;

        // Before/after in one run: "--baseline-app PATH" (another build of the app, e.g. copied from main's output) adds
        // a fourth process, "sdk-baseline", traced by that build's Tracing.Sdk, interleaved like the others.
        string? baseline = OtlpEndToEnd.Arg(args, "--baseline-app", string.Empty) is { Length: > 0 } b ? b : null;

        // The apps: "off" (the reference every ratio divides by), "sdk", "otel"; the app also knows the diagnostic
        // variants "sdk-drop" (instrumented, discarding exporter) and "sdk-bare" (OTLP exporter, no instrumentation).
        string[] modes = OtlpEndToEnd.Arg(args, "--modes", "off,sdk,otel").Split(',');
        if (baseline is not null)
        {
            modes = [.. modes, "sdk-baseline"];
        }
        if (modes[0] != "off")
        {
            Console.Error.WriteLine("--modes must start with off");
            return 2;
        }

        if (!File.Exists(app))
        {
            Console.Error.WriteLine($"web app not found at {app}: build benchmarks/Tracing.Sdk.Benchmarks (it builds the app) or pass --app.");
            return 2;
        }

        // One process receives the OTLP exports and counts spans; another serves the apps' downstream call, so the
        // receiver's work and the downstream's are the same whichever app runs, and neither is traced.
        int grpcPort = OtlpEndToEnd.FreePort();
        int httpPort = OtlpEndToEnd.FreePort();
        int downstreamPort = OtlpEndToEnd.FreePort();
        using var receiver = OtlpEndToEnd.StartReceiver(grpcPort, httpPort);
        using var downstream = OtlpEndToEnd.StartReceiver(OtlpEndToEnd.FreePort(), downstreamPort);
        string downstreamUri = $"http://127.0.0.1:{downstreamPort}/ok";
        string otlp = protocol == "grpc" ? $"http://127.0.0.1:{grpcPort}" : $"http://127.0.0.1:{httpPort}";
        var countUri = new Uri($"http://127.0.0.1:{httpPort}/count");

        var apps = new Dictionary<string, App>();
        using var control = new HttpClient();
        try
        {
            foreach (var mode in modes)
            {
                apps[mode] = mode == "sdk-baseline"
                    ? App.Start(baseline!, "sdk", downstreamUri, otlp, protocol, profile)
                    : App.Start(app, mode, downstreamUri, otlp, protocol, profile);
                Console.WriteLine($"app {mode,-4} process {apps[mode].Process.Id}: {apps[mode].Address}");
            }

            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, AllowAutoRedirect = false };
            using var load = new HttpClient(handler);
            Console.WriteLine($"load: {connections} connections, closed loop; {rounds} rounds x {modes.Length} apps x {seconds} s after {warmup} s of warm-up each; OTLP/{protocol}; " +
                $"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}, server GC in the apps: {apps["off"].ServerGc}");
            foreach (var mode in modes)
            {
                var w = Window(apps[mode], load, control, countUri, connections, warmup);
                Console.WriteLine(FormattableString.Invariant($"warm-up {mode,-8} {w.RequestsPerSecond,9:N0} req/s  {w.CpuMicrosecondsPerRequest,6:F1} us CPU/request  JIT {w.JitMilliseconds:F0} ms"));
                if (profile)
                {
                    _ = control.GetStringAsync(new Uri(apps[mode].Address, "/__alloc")).GetAwaiter().GetResult();
                }
            }

            var results = modes.ToDictionary(m => m, _ => new List<Result>());
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < modes.Length; i++)
                {
                    string mode = modes[(round + i) % modes.Length];
                    var r = Window(apps[mode], load, control, countUri, connections, seconds);
                    results[mode].Add(r);
                    Console.WriteLine(FormattableString.Invariant(
                        $"round {round + 1} {mode,-8} {r.RequestsPerSecond,9:N0} req/s  {r.Requests,9:N0} requests  {r.Errors} errors  spans/request {r.SpansPerRequest:F3}{(r.Dropped >= 0 ? $" (processor dropped {r.Dropped})" : string.Empty)}  {r.BytesPerRequest,7:N0} B/request  {r.CpuMicrosecondsPerRequest,6:F1} us CPU/request  GC pause {r.GcPauseMicroseconds / Math.Max(1, r.Requests):F1} us/request  gen0/1/2 {r.Gen0}/{r.Gen1}/{r.Gen2}  JIT {r.JitMilliseconds:F0} ms  load {LoadAverage()}"));
                }
            }

            Print(modes, results, rounds, seconds, connections, protocol);
            if (profile)
            {
                foreach (var mode in modes)
                {
                    Console.WriteLine();
                    Console.WriteLine($"sampled allocations by type, app {mode} (since the warm-up):");
                    Console.WriteLine(control.GetStringAsync(new Uri(apps[mode].Address, "/__alloc")).GetAwaiter().GetResult());
                }
            }

            return 0;
        }
        finally
        {
            foreach (var a in apps.Values)
            {
                a.Dispose();
            }

            foreach (var child in new[] { receiver, downstream })
            {
                child.StandardInput.Close();
                child.WaitForExit(10_000);
            }
        }
    }

    private static void Print(string[] modes, Dictionary<string, List<Result>> results, int rounds, int seconds, int connections, string protocol)
    {
        string Name(string mode) => mode switch
        {
            "off" => "tracing off",
            "sdk" => "Tracing.Sdk",
            "otel" => "OpenTelemetry 1.20.1",
            "sdk-baseline" => "Tracing.Sdk, baseline build (--baseline-app)",
            _ => "Tracing.Sdk, variant " + mode,
        };

        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant(
            $"| app ({connections} connections, {rounds} rounds x {seconds} s, OTLP/{protocol}) | req/s (median) | vs tracing off: median of per-round ratios | min–max | spans exported per request | allocated per request | app CPU per request | GC pause per request |"));
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var off = results["off"];
        foreach (var mode in modes)
        {
            var r = results[mode];
            var ratios = r.Select((x, i) => x.RequestsPerSecond / off[i].RequestsPerSecond).ToList();
            string ratio = mode == "off" ? "1" : FormattableString.Invariant($"{Median(ratios):F3}");
            string spread = mode == "off" ? string.Empty : FormattableString.Invariant($"{ratios.Min():F3}–{ratios.Max():F3}");
            double spans = r.Sum(x => x.Spans) / (double)r.Sum(x => x.Requests);
            string dropped = r.All(x => x.Dropped >= 0) ? FormattableString.Invariant($" ({r.Sum(x => x.Dropped) / (double)r.Sum(x => x.Requests):F3} dropped by the processor)") : string.Empty;
            double bytes = BytesPerRequest(r);
            double cpu = r.Sum(x => x.CpuMicroseconds) / r.Sum(x => x.Requests);
            double pause = r.Sum(x => x.GcPauseMicroseconds) / r.Sum(x => x.Requests);
            Console.WriteLine(FormattableString.Invariant(
                $"| {Name(mode)} | {Median(r.Select(x => x.RequestsPerSecond).ToList()):N0} | {ratio} | {spread} | {spans:F3}{dropped} | {bytes:N0} B | {cpu:F1} µs | {pause:F2} µs |"));
        }

        if (!results.TryGetValue("sdk", out var sdk) || !results.TryGetValue("otel", out var otel))
        {
            return;
        }

        var vsOtel = sdk.Select((x, i) => x.RequestsPerSecond / otel[i].RequestsPerSecond).ToList();
        Console.WriteLine(FormattableString.Invariant(
            $"| Tracing.Sdk / OpenTelemetry | | {Median(vsOtel):F3} | {vsOtel.Min():F3}–{vsOtel.Max():F3} | | {BytesPerRequest(sdk) / BytesPerRequest(otel):F2}× | {CpuRatios(sdk, otel)} |"));
        if (results.TryGetValue("sdk-baseline", out var before))
        {
            var vsBefore = sdk.Select((x, i) => x.RequestsPerSecond / before[i].RequestsPerSecond).ToList();
            Console.WriteLine(FormattableString.Invariant(
                $"| Tracing.Sdk / baseline build | | {Median(vsBefore):F3} | {vsBefore.Min():F3}–{vsBefore.Max():F3} | | {BytesPerRequest(sdk) / BytesPerRequest(before):F2}× | {CpuRatios(sdk, before)} |"));
        }

        if (results.Values.Any(r => r.Any(x => x.Bytes < 0)))
        {
            Console.WriteLine();
            Console.WriteLine("Allocated per request leaves out the windows in which GC.GetTotalAllocatedBytes(precise: true) went backwards " +
                "(seen after gen2 collections with server GC): " + string.Join(", ", modes.Select(m => $"{m} {results[m].Count(x => x.Bytes < 0)}")) + ".");
        }
    }

    // Allocated bytes per request over the windows whose counter did not go backwards.
    private static double BytesPerRequest(List<Result> windows)
    {
        var valid = windows.Where(x => x.Bytes >= 0).ToList();
        return valid.Count == 0 ? double.NaN : valid.Sum(x => (double)x.Bytes) / valid.Sum(x => x.Requests);
    }

    // CPU per request of a over b: pooled over all windows, then the median of the per-round ratios (each round's two
    // windows ran back to back, so a change of the machine's load between rounds cancels out of the latter).
    private static string CpuRatios(List<Result> a, List<Result> b)
    {
        double pooled = a.Sum(x => x.CpuMicroseconds) / a.Sum(x => x.Requests) / (b.Sum(x => x.CpuMicroseconds) / b.Sum(x => x.Requests));
        var perRound = a.Select((x, i) => x.CpuMicrosecondsPerRequest / b[i].CpuMicrosecondsPerRequest).ToList();
        return FormattableString.Invariant($"{pooled:F2}× (per round: median {Median(perRound):F2}×, {perRound.Min():F2}–{perRound.Max():F2})");
    }

    /// <summary>
    /// Drives one app for <paramref name="seconds"/> with <paramref name="connections"/> closed-loop workers and reads
    /// what it cost the app: its /__stats before and after (after a flush of its tracer provider, so the spans of this
    /// window are counted by the receiver before the next window starts and no export spills into another app's).
    /// </summary>
    private static Result Window(App app, HttpClient load, HttpClient control, Uri countUri, int connections, int seconds)
    {
        var before = app.Stats(control, flush: false);
        long spansBefore = OtlpEndToEnd.Count(control, countUri);
        long requests = 0;
        long errors = 0;
        var stop = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var workers = new Task[connections];
        for (int w = 0; w < connections; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                long mine = 0;
                long failed = 0;
                while (stop.Elapsed < deadline)
                {
                    try
                    {
                        using var response = await load.GetAsync(app.Request);
                        _ = await response.Content.ReadAsByteArrayAsync();
                        if (response.IsSuccessStatusCode)
                        {
                            mine++;
                        }
                        else
                        {
                            failed++;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        failed++;
                    }
                }

                Interlocked.Add(ref requests, mine);
                Interlocked.Add(ref errors, failed);
            });
        }

        Task.WaitAll(workers);
        double elapsed = stop.Elapsed.TotalSeconds;
        var after = app.Stats(control, flush: true);

        // The flush returned once the exports were answered; the receiver counted each before answering. Still, wait
        // (bounded) for the count to reach two spans per request or to stop moving.
        long spans = OtlpEndToEnd.Count(control, countUri) - spansBefore;
        if (app.Mode != "off")
        {
            for (int quiet = 0; quiet < 5 && spans < 2 * requests; quiet++)
            {
                Thread.Sleep(200);
                long now = OtlpEndToEnd.Count(control, countUri) - spansBefore;
                quiet = now == spans ? quiet : 0;
                spans = now;
            }
        }

        return new Result(requests, errors, elapsed, spans, after.Allocated - before.Allocated, (after.CpuTicks - before.CpuTicks) / 10.0, after.Gen0 - before.Gen0,
            (after.JitTicks - before.JitTicks) / 10_000.0, after.Dropped < 0 ? -1 : after.Dropped - before.Dropped,
            (after.GcPauseTicks - before.GcPauseTicks) / 10.0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2);
    }

    private static string DefaultAppPath()
    {
        // Set by the project file: the app's output folder for the configuration this command was built in.
        string folder = typeof(WebServiceCommand).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "WebAppOutput")?.Value ?? string.Empty;
        return Path.Combine(folder, "Tracing.Sdk.Benchmarks.WebApp.dll");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Result(long Requests, long Errors, double Seconds, long Spans, long Bytes, double CpuMicroseconds, long Gen0, double JitMilliseconds, long Dropped,
        double GcPauseMicroseconds, long Gen1, long Gen2)
    {
        public double RequestsPerSecond => Requests / Seconds;

        public double SpansPerRequest => Requests == 0 ? 0 : Spans / (double)Requests;

        public double BytesPerRequest => Requests == 0 ? 0 : Bytes / (double)Requests;

        public double CpuMicrosecondsPerRequest => Requests == 0 ? 0 : CpuMicroseconds / Requests;
    }

    /// <summary>An app's cumulative counters, as <c>/__stats</c> answers them.</summary>
    private sealed record Stats(long Allocated, long CpuTicks, long Gen0, long JitTicks, long Dropped, long GcPauseTicks, long Gen1, long Gen2);

    /// <summary>One web app process and how to reach it.</summary>
    private sealed class App : IDisposable
    {
        private App(string mode, Process process, Uri address, bool serverGc)
        {
            Mode = mode;
            Process = process;
            Address = address;
            Request = new Uri(address, "/items/42");
            ServerGc = serverGc;
        }

        public string Mode { get; }

        public Process Process { get; }

        public Uri Address { get; }

        public Uri Request { get; }

        public bool ServerGc { get; }

        public static App Start(string dll, string mode, string downstream, string otlp, string protocol, bool profile)
        {
            // The app's own host runs it with its runtimeconfig, so the Web SDK's defaults (server GC) apply.
            string[] arguments = ["--mode", mode, "--downstream", downstream, "--otlp", otlp, "--protocol", protocol, .. profile ? new[] { "--alloc-profile" } : []];
            string appHost = Path.ChangeExtension(dll, null);
            var (process, line) = File.Exists(appHost)
                ? OtlpEndToEnd.StartChild(appHost, arguments)
                : OtlpEndToEnd.StartChild("dotnet", [dll, .. arguments]);

            // "ready <address> <server GC>"
            var ready = line.Split(' ');
            return new App(mode, process, new Uri(ready[1]), bool.Parse(ready[2]));
        }

        public Stats Stats(HttpClient control, bool flush)
        {
            string text = control.GetStringAsync(new Uri(Address, flush ? "/__stats?flush=1" : "/__stats")).GetAwaiter().GetResult();
            var n = text.Split(' ').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            return new Stats(n[0], n[1], n[2], n[3], n[4] < 0 ? -1 : n[4] + n[5], n[6], n[7], n[8]);
        }

        public void Dispose()
        {
            Process.StandardInput.Close();
            if (!Process.WaitForExit(10_000))
            {
                Process.Kill();
            }

            Process.Dispose();
        }
    }
}

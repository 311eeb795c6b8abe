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
/// End-to-end throughput: two producer threads → batching processor → OTLP/gRPC → a receiver in another process on
/// loopback. For each SDK, finds the highest span rate sustained for the trial length with no span lost
/// (every produced span counted by the receiver) and the producers keeping the pace.
/// <c>dotnet run -c Release --project benchmarks/Tracing.Sdk.Benchmarks -- e2e [--seconds 30] [--start 25000] [--sdk both|ours|otel]</c>
/// </summary>
public static class OtlpEndToEnd
{
    private const string SourceName = "e2e";

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
        int seconds = int.Parse(Arg(args, "--seconds", "30"), CultureInfo.InvariantCulture);
        int start = int.Parse(Arg(args, "--start", "25000"), CultureInfo.InvariantCulture);
        string sdk = Arg(args, "--sdk", "both");
        int grpcPort = FreePort();
        int httpPort = FreePort();
        using var child = StartReceiver(grpcPort, httpPort);
        using var http = new HttpClient();
        var countUri = new Uri($"http://127.0.0.1:{httpPort}/count");
        var grpc = new Uri($"http://127.0.0.1:{grpcPort}");
        var results = new List<(string Sdk, long Rate)>();
        try
        {
            foreach (var name in sdk == "both" ? new[] { "otel", "ours" } : new[] { sdk })
            {
                long best = Search(name, start, seconds, grpc, http, countUri);
                results.Add((name, best));
            }
        }
        finally
        {
            child.StandardInput.Close();
            child.WaitForExit(10_000);
        }

        Console.WriteLine();
        Console.WriteLine("| SDK | highest rate sustained " + seconds + " s with no drop (spans/s) |");
        Console.WriteLine("|---|---|");
        foreach (var (name, rate) in results)
        {
            Console.WriteLine($"| {(name == "ours" ? "Tracing.Sdk" : "OpenTelemetry 1.20.1")} | {rate:N0} |");
        }

        return 0;
    }

    private static long Search(string sdk, int start, int seconds, Uri grpc, HttpClient http, Uri countUri)
    {
        // Warm-up (not counted): connection set-up and JIT would otherwise land in the first trial.
        Trial(sdk, 2000, 3, grpc, http, countUri);
        long good = 0;
        long bad = 0;
        if (Trial(sdk, start, seconds, grpc, http, countUri))
        {
            good = start;
            for (long rate = start * 2L; rate <= 4_000_000; rate *= 2)
            {
                if (!Trial(sdk, rate, seconds, grpc, http, countUri))
                {
                    bad = rate;
                    break;
                }

                good = rate;
            }
        }
        else
        {
            bad = start;
            for (long rate = start / 2; rate >= 500; rate /= 2)
            {
                if (Trial(sdk, rate, seconds, grpc, http, countUri))
                {
                    good = rate;
                    break;
                }

                bad = rate;
            }
        }

        // One bisection step between the last good and the first bad rate.
        if (bad > 0 && good > 0)
        {
            long mid = (good + bad) / 2;
            if (Trial(sdk, mid, seconds, grpc, http, countUri))
            {
                good = mid;
            }
        }

        return good;
    }

    private static bool Trial(string sdk, long rate, int seconds, Uri grpc, HttpClient http, Uri countUri)
    {
        long before = Count(http, countUri);
        long produced;
        long achieved;
        if (sdk == "ours")
        {
            var exporter = new Tracing.Sdk.Exporter.Otlp.OtlpTraceExporter(new Tracing.Sdk.Exporter.Otlp.OtlpExporterOptions { Endpoint = grpc, Protocol = Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.Grpc });
            var processor = CreateProcessor(exporter);
            using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("e2e").AddProcessor(processor).Build();
            var tracer = provider.GetTracer(SourceName, "1.0");
            (produced, achieved) = Produce(rate, seconds, () =>
            {
                var span = tracer.StartRootSpan("GET /api/items", SpanKind.Server);
                span.SetAttribute("http.request.method", "GET");
                span.SetAttribute("url.path", "/api/items");
                span.SetAttribute("http.response.status_code", 200);
                span.SetAttribute("server.address", "example.com");
                span.SetAttribute("server.port", 443);
                span.AddEvent("handler.start");
                span.End();
            });
            provider.Shutdown(30_000);
            Console.WriteLine($"      queue drops {processor.Dropped}, exporter: exported {exporter.ExportedSpans} dropped {exporter.DroppedSpans} retries {exporter.Retries}");
        }
        else
        {
            using var source = new ActivitySource(SourceName, "1.0");
            using (var provider = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
                .AddSource(SourceName)
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = grpc;
                    o.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;
                })
                .Build())
            {
                (produced, achieved) = Produce(rate, seconds, () =>
                {
                    using var a = source.StartActivity("GET /api/items", ActivityKind.Server);
                    a?.SetTag("http.request.method", "GET");
                    a?.SetTag("url.path", "/api/items");
                    a?.SetTag("http.response.status_code", 200);
                    a?.SetTag("server.address", "example.com");
                    a?.SetTag("server.port", 443);
                    a?.AddEvent(new ActivityEvent("handler.start"));
                });
                provider.ForceFlush(30_000);
            }
        }

        // The receiver counts asynchronously: wait until it stops changing.
        long received = Count(http, countUri) - before;
        for (int quiet = 0; quiet < 10 && received < produced; quiet++)
        {
            Thread.Sleep(500);
            long now = Count(http, countUri) - before;
            quiet = now == received ? quiet : 0;
            received = now;
        }

        bool ok = received == produced && achieved >= rate * 0.97;
        Console.WriteLine($"{sdk,-5} target {rate,10:N0}/s achieved {achieved,10:N0}/s produced {produced,11:N0} received {received,11:N0} -> {(ok ? "ok" : "FAIL")}");
        return ok;
    }

    private static (long Produced, long Achieved) Produce(long rate, int seconds, Action makeSpan)
    {
        long produced = 0;
        var duration = TimeSpan.FromSeconds(seconds);
        var threads = new Thread[2];
        long start = Stopwatch.GetTimestamp();
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                double perThread = rate / 2.0;
                long mine = 0;
                while (true)
                {
                    var elapsed = Stopwatch.GetElapsedTime(start);
                    if (elapsed >= duration)
                    {
                        break;
                    }

                    long due = (long)(elapsed.TotalSeconds * perThread);
                    if (mine >= due)
                    {
                        Thread.Sleep(1);
                        continue;
                    }

                    for (long n = Math.Min(due - mine, 1000); n > 0; n--)
                    {
                        makeSpan();
                        mine++;
                    }
                }

                Interlocked.Add(ref produced, mine);
            });
            threads[t].Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        return (produced, (long)(produced / Stopwatch.GetElapsedTime(start).TotalSeconds));
    }

    internal static long Count(HttpClient http, Uri countUri) =>
        long.Parse(http.GetStringAsync(countUri).GetAwaiter().GetResult(), CultureInfo.InvariantCulture);

    internal static Process StartReceiver(int grpcPort, int httpPort)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(OtlpEndToEnd).Assembly.Location);
        }

        info.ArgumentList.Add("receiver");
        info.ArgumentList.Add("--grpc-port");
        info.ArgumentList.Add(grpcPort.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--http-port");
        info.ArgumentList.Add(httpPort.ToString(CultureInfo.InvariantCulture));
        var child = Process.Start(info)!;
        string? line;
        while ((line = child.StandardOutput.ReadLine()) is not null && !line.StartsWith("ready", StringComparison.Ordinal))
        {
        }

        Console.WriteLine("receiver process " + child.Id + ": " + line);
        return child;
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
}

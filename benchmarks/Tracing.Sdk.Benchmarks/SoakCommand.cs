using System;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// The overload soak: two producer threads end spans as fast as they can for a fixed time, through the batch processor
/// and the OTLP/gRPC exporter, to a receiver in another process on loopback. Prints spans ended, exported, dropped, what
/// the receiver counted, and the peak working set — memory must stay bounded by the queue (and spool) sizes however
/// far the producers outrun the exporter, and ended = exported + dropped must hold exactly.
/// <c>dotnet run -c Release --project benchmarks/Tracing.Sdk.Benchmarks -- soak [--seconds 60] [--spool DIR]</c>
/// (the <c>OTEL_BSP_*</c> variables apply).
/// </summary>
public static class SoakCommand
{
    public static int Run(string[] args)
    {
        int seconds = int.Parse(OtlpEndToEnd.Arg(args, "--seconds", "60"), CultureInfo.InvariantCulture);
        string spool = OtlpEndToEnd.Arg(args, "--spool", string.Empty);
        int grpcPort = OtlpEndToEnd.FreePort();
        int httpPort = OtlpEndToEnd.FreePort();
        using var child = OtlpEndToEnd.StartReceiver(grpcPort, httpPort);
        using var http = new HttpClient();
        var countUri = new Uri($"http://127.0.0.1:{httpPort}/count");
        long receivedBefore = OtlpEndToEnd.Count(http, countUri);

        var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{grpcPort}"),
            Protocol = OtlpExportProtocol.Grpc,
            SpoolDirectory = spool.Length > 0 ? spool : null,
        });
        var processor = new BatchExportProcessor(exporter, BatchExportProcessorOptions.FromSettings(Environment.GetEnvironmentVariable));
        var provider = new TracerProviderBuilder().SetServiceName("soak").AddProcessor(processor).Build();
        var tracer = provider.GetTracer("soak", "1.0");

        long ended = 0;
        long heapPeak = 0;
        using var stop = new ManualResetEventSlim(false);
        var producers = new Thread[2];
        for (int t = 0; t < producers.Length; t++)
        {
            producers[t] = new Thread(() =>
            {
                long n = 0;
                while (!stop.IsSet)
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        var span = tracer.StartRootSpan("GET /api/items", SpanKind.Server);
                        span.SetAttribute("http.request.method", "GET");
                        span.SetAttribute("url.path", "/api/items");
                        span.SetAttribute("http.response.status_code", 200);
                        span.SetAttribute("server.address", "example.com");
                        span.SetAttribute("server.port", 443);
                        span.AddEvent("handler.start");
                        span.End();
                    }

                    n += 1000;
                }

                Interlocked.Add(ref ended, n);
            }) { IsBackground = true, Name = "producer " + t };
        }

        Console.WriteLine($"soak: 2 producers at full speed for {seconds} s → batch processor (queue {processor.EffectiveOptions.MaxQueueSize}, batch {processor.EffectiveOptions.MaxExportBatchSize}) → OTLP/gRPC → receiver process {child.Id}");
        var clock = Stopwatch.StartNew();
        foreach (var p in producers)
        {
            p.Start();
        }

        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            Thread.Sleep(250);
            heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
        }

        stop.Set();
        foreach (var p in producers)
        {
            p.Join();
        }

        double elapsed = clock.Elapsed.TotalSeconds;
        provider.Shutdown(TimeSpan.FromSeconds(60));
        long received = OtlpEndToEnd.Count(http, countUri) - receivedBefore;
        using var self = Process.GetCurrentProcess();
        self.Refresh();

        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| spans ended | {ended:N0} ({ended / elapsed:N0}/s) |");
        Console.WriteLine($"| spans exported (processor) | {processor.Exported:N0} |");
        Console.WriteLine($"| spans dropped (processor: queue full, export failure, shutdown) | {processor.Dropped:N0} |");
        Console.WriteLine($"| spans counted by the receiver | {received:N0} |");
        Console.WriteLine($"| exporter: exported / dropped / retries / spooled | {exporter.ExportedSpans:N0} / {exporter.DroppedSpans:N0} / {exporter.Retries:N0} / {exporter.SpooledSpans:N0} |");
        Console.WriteLine($"| ended = exported + dropped | {(ended == processor.Exported + processor.Dropped ? "yes, exactly" : "NO")} |");
        Console.WriteLine($"| peak working set | {self.PeakWorkingSet64 / (1024.0 * 1024):N0} MiB |");
        Console.WriteLine($"| peak managed heap (sampled every 250 ms) | {heapPeak / (1024.0 * 1024):N0} MiB |");

        child.StandardInput.Close();
        child.WaitForExit(10_000);
        return ended == processor.Exported + processor.Dropped ? 0 : 1;
    }
}

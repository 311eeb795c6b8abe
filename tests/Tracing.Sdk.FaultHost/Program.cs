// A traced process for crash and shutdown tests (the receiver is an OTLP gRPC receiver on 127.0.0.1:--port):
// - `spool`: ends spans while the receiver is down, waits until they are spooled, says so and waits to be killed;
// - `deliver`: starts on the same spool directory and flushes what the first one left;
// - `backoff`: ends spans with the issue's settings (30 s export timeout, back-off up to 5 s), says when they are all
//   on disk while the exporter is backing off, and waits to be killed (no flush, no shutdown);
// - `idle`: starts on the same spool with no traffic and no flush at all, and reports what the exporter delivers;
// - `shutdown`: ends spans while the receiver is down (or unresponsive), then measures Shutdown() or Dispose();
// - `selflog`: a console app without hosting that reads hostile OTLP settings (TRACING_SDK_SELF_LOG decides whether
//   the SDK's warnings reach stderr).
using System;
using System.Diagnostics;
using System.Threading;
using Tracing.Sdk;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Processing;

string mode = args[0];
if (mode == "selflog")
{
    // The switch is read from the environment when a builder is made, before any setting is parsed.
    var selfLogged = new TracerProviderBuilder().SetSettingsSource(name => name switch
    {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => "not-a-url",
        "OTEL_EXPORTER_OTLP_HEADERS" => "authorization=Bearer%20s3cr3t-t0ken,naked-secret-member",
        "OTEL_TRACES_SAMPLER" => "bogus",
        _ => null,
    });
    selfLogged.AddOtlpExporter();
    using (selfLogged.Build())
    {
    }

    Console.WriteLine("SELFLOG DONE");
    return 0;
}

int port = int.Parse(Arg("--port"));
string? spool = Arg("--spool", "-");
int spans = int.Parse(Arg("--spans", "0"));
bool slow = mode is "backoff" or "idle" or "shutdown";

var exporter = new OtlpTraceExporter(new OtlpExporterOptions
{
    Endpoint = new Uri($"http://127.0.0.1:{port}"),
    Protocol = OtlpExportProtocol.Grpc,
    Timeout = TimeSpan.FromMilliseconds(slow ? 30_000 : 2_000),
    MaxRetryAttempts = slow ? 10 : 1,
    InitialBackoff = TimeSpan.FromMilliseconds(slow ? 200 : 10),
    MaxBackoff = TimeSpan.FromSeconds(1),
    SpoolDirectory = spool == "-" ? null : spool,
});
var provider = new TracerProviderBuilder()
    .SetSettingsSource(_ => null)
    .SetServiceName("fault-host")
    .AddExporter(exporter, o => o.ScheduledDelay = TimeSpan.FromMilliseconds(200))
    .Build();
var tracer = provider.GetTracer("FaultHost");

if (mode == "spool")
{
    for (int i = 0; i < spans; i++)
    {
        tracer.StartSpan("crash-" + i).End();
    }

    var wait = Stopwatch.StartNew();
    while (exporter.SpooledSpans < spans && wait.Elapsed < TimeSpan.FromMinutes(2))
    {
        provider.ForceFlush(TimeSpan.FromSeconds(10));
    }

    Console.WriteLine($"SPOOLED {exporter.SpooledSpans}");
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite); // until killed
}

if (mode == "backoff")
{
    // Spans end in several batches, as requests would, with no flush: the batch processor's timer exports them.
    for (int i = 0; i < spans; i++)
    {
        tracer.StartSpan("backoff-" + i).End();
        if (i % 10 == 9)
        {
            Thread.Sleep(50);
        }
    }

    // Written ahead: every span is on disk while the exporter is still within its first export timeout (30 s) and
    // retrying. Before the write-ahead spool, these batches were only in memory here.
    var wait = Stopwatch.StartNew();
    while ((exporter.SpooledSpans < spans || exporter.Retries == 0) && wait.Elapsed < TimeSpan.FromMinutes(2))
    {
        Thread.Sleep(20);
    }

    Console.WriteLine($"IN BACKOFF spooled={exporter.SpooledSpans} retries={exporter.Retries} exported={exporter.ExportedSpans} after={wait.ElapsedMilliseconds}ms");
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite); // until killed
}

if (mode == "idle")
{
    Console.WriteLine("READY");
    Console.Out.Flush();
    long last = -1;
    while (true)
    {
        long exported = exporter.ExportedSpans;
        if (exported != last)
        {
            Console.WriteLine($"EXPORTED {exported}");
            Console.Out.Flush();
            last = exported;
        }

        Thread.Sleep(50);
    }
}

if (mode == "shutdown")
{
    for (int i = 0; i < spans; i++)
    {
        tracer.StartSpan("shutdown-" + i).End();
    }

    // Let the first export start (and fail or hang) so shutdown meets an exporter that is busy retrying.
    Thread.Sleep(500);
    bool dispose = Array.IndexOf(args, "--dispose") >= 0;
    var sw = Stopwatch.StartNew();
    bool done = true;
    if (dispose)
    {
        provider.Dispose();
    }
    else
    {
        done = provider.Shutdown();
    }

    sw.Stop();
    var stats = provider.Processors[0] is BatchExportProcessor p ? $"processorDropped={p.Dropped}" : string.Empty;
    Console.WriteLine($"SHUTDOWN ms={sw.ElapsedMilliseconds} bound={(long)provider.ShutdownTimeout.TotalMilliseconds} done={done} spooled={exporter.SpooledSpans} dropped={exporter.DroppedSpans} {stats}");

    // Where every span went does not depend on the machine's speed: on a busy machine the last batch may still be on
    // its way to the spool (or to being dropped) when the bound passes; the final counts are taken once it is.
    var settle = Stopwatch.StartNew();
    while (exporter.SpooledSpans + exporter.DroppedSpans < spans && settle.Elapsed < TimeSpan.FromSeconds(60))
    {
        Thread.Sleep(20);
    }

    stats = provider.Processors[0] is BatchExportProcessor q ? $"processorDropped={q.Dropped}" : string.Empty;
    Console.WriteLine($"FINAL spooled={exporter.SpooledSpans} dropped={exporter.DroppedSpans} {stats}");
    Console.Out.Flush();
    return 0;
}

bool empty = exporter.ForceFlush(TimeSpan.FromSeconds(60));
Console.WriteLine($"DELIVERED {exporter.ExportedSpans} {(empty ? "spool empty" : "spool not empty")}");
provider.Shutdown(TimeSpan.FromSeconds(10));
return empty ? 0 : 1;

string Arg(string name, string? fallback = null)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException("missing " + name);
}

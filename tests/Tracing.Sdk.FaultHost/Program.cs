// A traced process for crash tests: `spool` ends spans while the OTLP receiver is down, waits until they are spooled,
// says so and waits to be killed; `deliver` starts on the same spool directory and sends what the first one left.
using System;
using System.Diagnostics;
using System.Threading;
using Tracing.Sdk;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Processing;

string mode = args[0];
int port = int.Parse(Arg("--port"));
string spool = Arg("--spool");
int spans = int.Parse(Arg("--spans", "0"));

var exporter = new OtlpTraceExporter(new OtlpExporterOptions
{
    Endpoint = new Uri($"http://127.0.0.1:{port}"),
    Protocol = OtlpExportProtocol.Grpc,
    Timeout = TimeSpan.FromMilliseconds(2_000),
    MaxRetryAttempts = 1,
    InitialBackoff = TimeSpan.FromMilliseconds(10),
    SpoolDirectory = spool,
});
var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("fault-host").AddExporter(exporter).Build();
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
        provider.ForceFlush(10_000);
    }

    Console.WriteLine($"SPOOLED {exporter.SpooledSpans}");
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite); // until killed
}

bool empty = exporter.ForceFlush(60_000);
Console.WriteLine($"DELIVERED {exporter.ExportedSpans} {(empty ? "spool empty" : "spool not empty")}");
provider.Shutdown(10_000);
return empty ? 0 : 1;

string Arg(string name, string? fallback = null)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException("missing " + name);
}

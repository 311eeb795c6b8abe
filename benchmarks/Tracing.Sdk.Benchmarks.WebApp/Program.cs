using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Tracing.Sdk;

namespace Tracing.Sdk.Benchmarks.WebApp;

/// <summary>
/// The web service the <c>web</c> benchmark command drives, one process per mode:
/// <c>--mode off|sdk|otel --downstream URL --otlp URL [--protocol grpc|http]</c>. <c>GET /items/{id}</c> makes one
/// <see cref="HttpClient"/> call to <c>--downstream</c> (an untraced server in another process) and answers; with
/// <c>sdk</c> (Tracing.Sdk's <c>AddTracing</c>, as the README shows) or <c>otel</c> (OpenTelemetry .NET 1.20.1's
/// <c>AddOpenTelemetry().WithTracing</c>) every request makes a server and a client span, 100% sampled, exported over
/// OTLP to <c>--otlp</c>. <c>GET /__stats[?flush=1]</c> (never traced) flushes the tracer provider when asked, then
/// answers the process's allocated bytes, CPU time and GC count, so the command can divide them by the requests of a
/// window. With <c>--alloc-profile</c>, <c>GET /__alloc</c> answers sampled allocated bytes by type (see
/// <see cref="AllocationSampler"/>). Prints <c>ready &lt;address&gt; &lt;server GC&gt;</c> once listening (Kestrel on 127.0.0.1, port 0) and stops when stdin closes.
/// </summary>
public static class Program
{
    private const string StatsPath = "/__stats";

    public static int Main(string[] args)
    {
        string mode = Arg(args, "--mode", "off");
        var downstream = new Uri(Arg(args, "--downstream", "http://127.0.0.1:1/ok"));
        string otlp = Arg(args, "--otlp", "http://127.0.0.1:4317");
        bool grpc = Arg(args, "--protocol", "grpc") == "grpc";

        // The content root is the output folder (appsettings.json: the template's log levels), wherever we are started.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        switch (mode)
        {
            case "off":
                break;
            case "sdk":
                AddTracingSdk(builder.Services, otlp, grpc);
                break;
            case "sdk-drop":
            case "sdk-bare":
                AddTracingSdkVariant(builder.Services, mode, otlp, grpc);
                break;
            case "otel":
                AddOpenTelemetry(builder.Services, otlp, grpc);
                break;
            default:
                Console.Error.WriteLine("--mode off|sdk|otel");
                return 2;
        }

        using var drops = mode.StartsWith("sdk", StringComparison.Ordinal) ? new SdkDrops() : null;
        using var sampler = Array.IndexOf(args, "--alloc-profile") >= 0 ? new AllocationSampler() : null;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var app = builder.Build();
        app.MapGet("/items/{id}", async (string id) =>
        {
            string answer = await client.GetStringAsync(downstream);
            return "item " + id + " " + answer;
        });
        app.MapGet(StatsPath, (HttpContext context) =>
        {
            if (context.Request.Query.ContainsKey("flush"))
            {
                Flush(app.Services, mode);
            }

            // Allocated bytes (precise), CPU time of the whole process in ticks, gen0 collections, JIT compilation time in
            // ticks (a window still compiling — tiering up under a loaded machine — is not steady state), and for our
            // SDK the spans its processors dropped (queue full, export failure; -1 when not known); then the GC's total pause
            // time in ticks and the gen1 and gen2 counts.
            var (queueFull, exportFailure) = drops?.Read() ?? (-1, -1);
            return string.Create(CultureInfo.InvariantCulture,
                $"{GC.GetTotalAllocatedBytes(precise: true)} {Environment.CpuUsage.TotalTime.Ticks} {GC.CollectionCount(0)} {JitInfo.GetCompilationTime().Ticks} {queueFull} {exportFailure} {GC.GetTotalPauseDuration().Ticks} {GC.CollectionCount(1)} {GC.CollectionCount(2)}");
        });

        if (sampler is not null)
        {
            app.MapGet("/__alloc", sampler.Report);
        }

        app.Start();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine("ready " + address + " " + GCSettings.IsServerGC);
        Console.Out.Flush();

        // Runs until the parent closes our stdin.
        while (Console.In.ReadLine() is not null)
        {
        }

        app.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)app).Dispose();
        return 0;
    }

    private static bool Traced(HttpContext context) => context.Request.Path.Value?.StartsWith("/__", StringComparison.Ordinal) != true;

    // Each mode in its own method, so an app runs with only its own library loaded.
    private static void AddTracingSdk(IServiceCollection services, string otlp, bool grpc) =>
        services.AddTracing(tracing => tracing
            .SetServiceName("web")
            .AddAspNetCoreInstrumentation(o => o.Filter = Traced)
            .AddHttpClientInstrumentation()
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(grpc ? otlp : otlp.TrimEnd('/') + "/v1/traces");
                o.Protocol = grpc ? Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.Grpc : Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.HttpProtobuf;
            }));

    // Diagnostic variants, to find where the traced app's cost goes: "sdk-drop" has the instrumentations but exports to
    // an exporter that discards (no OTLP); "sdk-bare" exports over OTLP but has no instrumentation (no spans).
    private static void AddTracingSdkVariant(IServiceCollection services, string mode, string otlp, bool grpc) =>
        services.AddTracing(tracing =>
        {
            tracing.SetServiceName("web");
            if (mode == "sdk-drop")
            {
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = Traced)
                    .AddHttpClientInstrumentation()
                    .AddProcessor(new Tracing.Sdk.Processing.BatchExportProcessor(new DiscardingExporter()));
            }
            else
            {
                tracing.AddOtlpExporter(o =>
                {
                    o.Endpoint = new Uri(grpc ? otlp : otlp.TrimEnd('/') + "/v1/traces");
                    o.Protocol = grpc ? Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.Grpc : Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.HttpProtobuf;
                });
            }
        });

    private static void AddOpenTelemetry(IServiceCollection services, string otlp, bool grpc) =>
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("web"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = Traced)
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = new Uri(grpc ? otlp : otlp.TrimEnd('/') + "/v1/traces");
                    o.Protocol = grpc ? OpenTelemetry.Exporter.OtlpExportProtocol.Grpc : OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
                }));

    private static void Flush(IServiceProvider services, string mode)
    {
        if (mode.StartsWith("sdk", StringComparison.Ordinal))
        {
            FlushTracingSdk(services);
        }
        else if (mode == "otel")
        {
            FlushOpenTelemetry(services);
        }
    }

    private static void FlushTracingSdk(IServiceProvider services) =>
        services.GetRequiredService<Tracing.Sdk.TracerProvider>().ForceFlush(TimeSpan.FromSeconds(30));

    private static void FlushOpenTelemetry(IServiceProvider services) =>
        services.GetRequiredService<OpenTelemetry.Trace.TracerProvider>().ForceFlush(30_000);

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

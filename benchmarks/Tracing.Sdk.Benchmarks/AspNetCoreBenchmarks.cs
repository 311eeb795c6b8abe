using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// One loopback request through HttpClient and ASP.NET Core (Kestrel on 127.0.0.1): uninstrumented, traced by
/// OpenTelemetry .NET 1.20.1 (AspNetCore and Http instrumentation 1.20.2), and traced by Tracing.Sdk; both record a
/// client and a server span per request and hand them to an exporter that drops them. BenchmarkDotNet runs each method
/// in its own process and each global setup targets one method, so the process-wide listeners of one SDK never see the
/// other's requests.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20)]
[IterationTime(250)]
public class AspNetCoreBenchmarks
{
    private WebApplication? _app;
    private HttpClient? _client;
    private Uri? _address;
    private global::OpenTelemetry.Trace.TracerProvider? _openTelemetry;
    private TracerProvider? _tracingSdk;

    [GlobalSetup(Target = nameof(Uninstrumented))]
    public void SetupUninstrumented() => StartServer();

    [GlobalSetup(Target = nameof(OpenTelemetry))]
    public void SetupOpenTelemetry()
    {
        _openTelemetry = global::OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddProcessor(new SimpleActivityExportProcessor(new DroppingActivityExporter()))
            .Build();
        StartServer();
    }

    [GlobalSetup(Target = nameof(TracingSdk))]
    public void SetupTracingSdk()
    {
        _tracingSdk = new TracerProviderBuilder()
            .SetSettingsSource(_ => null)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddProcessor(new SimpleExportProcessor(new DroppingSpanExporter()))
            .Build();
        StartServer();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Dispose();
        _app?.StopAsync().GetAwaiter().GetResult();
        _app?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _openTelemetry?.Dispose();
        _tracingSdk?.Dispose();
    }

    [Benchmark]
    public Task<string> Uninstrumented() => _client!.GetStringAsync(_address);

    [Benchmark(Baseline = true)]
    public Task<string> OpenTelemetry() => _client!.GetStringAsync(_address);

    [Benchmark]
    public Task<string> TracingSdk() => _client!.GetStringAsync(_address);

    private void StartServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/items/{id}", (string id) => "item " + id);
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _address = new Uri(new Uri(address), "/items/42?token=secret");
        _client = new HttpClient();
    }

    private sealed class DroppingActivityExporter : BaseExporter<Activity>
    {
        public override global::OpenTelemetry.ExportResult Export(in Batch<Activity> batch) => global::OpenTelemetry.ExportResult.Success;
    }

    private sealed class DroppingSpanExporter : SpanExporter
    {
        public override Tracing.Sdk.Exporting.ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken) => Tracing.Sdk.Exporting.ExportResult.Success;
    }
}

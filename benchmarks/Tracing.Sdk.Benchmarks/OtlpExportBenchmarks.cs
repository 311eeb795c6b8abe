using System;
using System.Collections.Generic;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OtelExporter = OpenTelemetry.Exporter.OtlpTraceExporter;
using OtelOptions = OpenTelemetry.Exporter.OtlpExporterOptions;
using OtelProtocol = OpenTelemetry.Exporter.OtlpExportProtocol;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Serialize and send one batch of 512 typical spans (5 attributes, 1 event) to an in-process loopback receiver that
/// discards: ours vs OpenTelemetry .NET's OTLP exporter, over gRPC and HTTP/protobuf. Results are per span
/// (OperationsPerInvoke = 512).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class OtlpExportBenchmarks
{
    private const int BatchSize = 512;

    private OtlpLoopbackReceiver _receiver = null!;
    private Tracing.Sdk.Exporter.Otlp.OtlpTraceExporter _ours = null!;
    private OtelExporter _otel = null!;
    private SpanData[] _spans = null!;
    private Activity[] _activities = null!;
    private ActivitySource _source = null!;
    private ActivityListener _listener = null!;

    [Params("grpc", "http")]
    public string Transport { get; set; } = "grpc";

    [GlobalSetup]
    public void Setup()
    {
        _receiver = OtlpLoopbackReceiver.StartAsync(count: false).GetAwaiter().GetResult();
        bool grpc = Transport == "grpc";
        _ours = new Tracing.Sdk.Exporter.Otlp.OtlpTraceExporter(new Tracing.Sdk.Exporter.Otlp.OtlpExporterOptions
        {
            Endpoint = grpc ? _receiver.GrpcEndpoint : _receiver.HttpEndpoint,
            Protocol = grpc ? Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.Grpc : Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.HttpProtobuf,
        });
        _otel = new OtelExporter(new OtelOptions
        {
            Endpoint = grpc ? _receiver.GrpcEndpoint : _receiver.HttpEndpoint,
            Protocol = grpc ? OtelProtocol.Grpc : OtelProtocol.HttpProtobuf,
        });

        var spans = new List<SpanData>();
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("bench").AddInMemoryExporter(spans).Build())
        {
            var tracer = provider.GetTracer("bench", "1.0");
            for (int i = 0; i < BatchSize; i++)
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
        }

        _spans = [.. spans];

        _source = new ActivitySource("bench", "1.0");
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "bench",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        _activities = new Activity[BatchSize];
        for (int i = 0; i < BatchSize; i++)
        {
            var a = _source.StartActivity("GET /api/items", ActivityKind.Server)!;
            a.SetTag("http.request.method", "GET");
            a.SetTag("url.path", "/api/items");
            a.SetTag("http.response.status_code", 200);
            a.SetTag("server.address", "example.com");
            a.SetTag("server.port", 443);
            a.AddEvent(new ActivityEvent("handler.start"));
            a.Stop();
            _activities[i] = a;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Dispose();
        _otel.Dispose();
        _listener.Dispose();
        _source.Dispose();
        _receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize)]
    public OpenTelemetry.ExportResult OpenTelemetry() => _otel.Export(new Batch<Activity>(_activities, BatchSize));

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public Tracing.Sdk.Exporting.ExportResult TracingSdk() => _ours.Export(new SpanBatch(_spans, BatchSize), default);
}

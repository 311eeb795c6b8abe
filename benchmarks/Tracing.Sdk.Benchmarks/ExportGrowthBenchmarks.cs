using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OtelExporter = OpenTelemetry.Exporter.OtlpTraceExporter;
using OtelOptions = OpenTelemetry.Exporter.OtlpExporterOptions;
using OtelProtocol = OpenTelemetry.Exporter.OtlpExportProtocol;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// How the export's cost grows with the batch (1 to 2,048 typical spans) and with the span's size on the wire (0 to 40
/// attributes per span, batch of 512): both libraries' OTLP/HTTP exporters, a loopback receiver in the process that
/// discards. Times are per batch (divide by the batch size for per span). Each setup prints both libraries' request
/// bytes per span (`// wire size:`).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class ExportBatchGrowthBenchmarks
{
    private ExportGrowth _growth = null!;

    [Params(1, 64, 512, 2048)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup() => _growth = ExportGrowth.Start(BatchSize, attributes: 5);

    [GlobalCleanup]
    public void Cleanup() => _growth.Dispose();

    [Benchmark(Baseline = true)]
    public OpenTelemetry.ExportResult OpenTelemetry() => _growth.ExportOtel();

    [Benchmark]
    public Tracing.Sdk.Exporting.ExportResult TracingSdk() => _growth.ExportOurs();
}

/// <summary>The span-size axis of <see cref="ExportBatchGrowthBenchmarks"/>: a batch of 512 spans with 0 to 40 attributes.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class ExportSpanSizeGrowthBenchmarks
{
    private ExportGrowth _growth = null!;

    [Params(0, 5, 15, 40)]
    public int Attributes { get; set; }

    [GlobalSetup]
    public void Setup() => _growth = ExportGrowth.Start(512, Attributes);

    [GlobalCleanup]
    public void Cleanup() => _growth.Dispose();

    [Benchmark(Baseline = true)]
    public OpenTelemetry.ExportResult OpenTelemetry() => _growth.ExportOtel();

    [Benchmark]
    public Tracing.Sdk.Exporting.ExportResult TracingSdk() => _growth.ExportOurs();
}

/// <summary>
/// One batch of equal server spans in both libraries' forms (the first five attributes are the HTTP server ones, then
/// <c>app.attr.N</c> strings; one event), both OTLP/HTTP exporters and the receiver. Times are per batch; divide by the
/// batch size for per span.
/// </summary>
internal sealed class ExportGrowth : IDisposable
{
    private readonly OtlpLoopbackReceiver _receiver;
    private readonly Tracing.Sdk.Exporter.Otlp.OtlpTraceExporter _ours;
    private readonly OtelExporter _otel;
    private readonly SpanData[] _spans;
    private readonly Activity[] _activities;

    private ExportGrowth(OtlpLoopbackReceiver receiver, int batch, int attributes)
    {
        _receiver = receiver;
        _ours = new Tracing.Sdk.Exporter.Otlp.OtlpTraceExporter(new Tracing.Sdk.Exporter.Otlp.OtlpExporterOptions
        {
            Endpoint = receiver.HttpEndpoint,
            Protocol = Tracing.Sdk.Exporter.Otlp.OtlpExportProtocol.HttpProtobuf,
        });
        _otel = new OtelExporter(new OtelOptions { Endpoint = receiver.HttpEndpoint, Protocol = OtelProtocol.HttpProtobuf });

        _spans = TypicalBatch.Spans(batch, attributes);
        _activities = TypicalBatch.Activities(batch, attributes);
    }

    /// <summary>Starts the receiver (counting, to print the wire sizes once) and builds both batches.</summary>
    public static ExportGrowth Start(int batch, int attributes)
    {
        var receiver = OtlpLoopbackReceiver.StartAsync(count: true).GetAwaiter().GetResult();
        var growth = new ExportGrowth(receiver, batch, attributes);
        long otel = growth.BytesOf(() => growth.ExportOtel());
        long ours = growth.BytesOf(() => growth.ExportOurs());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// wire size: batch {batch}, {attributes} attributes: OpenTelemetry {(double)otel / batch:F1} B/span, Tracing.Sdk {(double)ours / batch:F1} B/span"));
        return growth;
    }

    public OpenTelemetry.ExportResult ExportOtel() => _otel.Export(new Batch<Activity>(_activities, _activities.Length));

    public Tracing.Sdk.Exporting.ExportResult ExportOurs() => _ours.Export(new SpanBatch(_spans, _spans.Length), default);

    public void Dispose()
    {
        _ours.Dispose();
        _otel.Dispose();
        _receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Request bytes one export adds at the receiver (read from its <c>/bytes</c> endpoint).</summary>
    private long BytesOf(Action export)
    {
        using var client = new HttpClient();
        var bytes = new Uri(_receiver.HttpEndpoint, "/bytes");
        long before = long.Parse(client.GetStringAsync(bytes).GetAwaiter().GetResult(), CultureInfo.InvariantCulture);
        export();
        return long.Parse(client.GetStringAsync(bytes).GetAwaiter().GetResult(), CultureInfo.InvariantCulture) - before;
    }
}

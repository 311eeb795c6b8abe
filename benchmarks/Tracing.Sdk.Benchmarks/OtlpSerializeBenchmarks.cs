using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Our OTLP serialization alone (protobuf and JSON) of 512 typical spans, per span: the share of an export that is
/// ours rather than the transport's. OpenTelemetry's serializer is internal, so it has no column here; its full
/// export is in <see cref="OtlpExportBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class OtlpSerializeBenchmarks
{
    private const int BatchSize = 512;
    private readonly OtlpProtobufSerializer _protobuf = new();
    private readonly OtlpJsonSerializer _json = new();
    private readonly ExportBuffer _buffer = new();
    private SpanData[] _spans = null!;

    [GlobalSetup]
    public void Setup() => _spans = TypicalSpans(BatchSize);

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize)]
    public int Protobuf() => _protobuf.Serialize(new SpanBatch(_spans, BatchSize), _buffer);

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int Json() => _json.Serialize(new SpanBatch(_spans, BatchSize), _buffer);

    /// <summary><paramref name="count"/> typical server spans (5 attributes, 1 event), ended and kept.</summary>
    internal static SpanData[] TypicalSpans(int count)
    {
        var spans = new List<SpanData>();
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("bench").AddInMemoryExporter(spans).Build())
        {
            var tracer = provider.GetTracer("bench", "1.0");
            for (int i = 0; i < count; i++)
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

        return [.. spans];
    }
}

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
    public void Setup() => _spans = TypicalBatch.Spans(BatchSize);

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize)]
    public int Protobuf() => _protobuf.Serialize(new SpanBatch(_spans, BatchSize), _buffer);

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int Json() => _json.Serialize(new SpanBatch(_spans, BatchSize), _buffer);
}

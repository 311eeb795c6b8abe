using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// How a sampled span's cost grows with its attributes (0, 3, 10, 30) and with nesting (the span is the innermost of
/// <see cref="Depth"/> active spans), through each library's batch processor with default knobs; OpenTelemetry is the
/// baseline. <c>... -- --filter '*GrowthBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class AttributeGrowthBenchmarks
{
    private static readonly string[] s_keys = MakeKeys();
    private Pipelines _pipelines = null!;

    [Params(0, 3, 10, 30)]
    public int Attributes { get; set; }

    [GlobalSetup]
    public void Setup() => _pipelines = new Pipelines("bench.growth.attributes", sampled: true);

    [GlobalCleanup]
    public void Cleanup() => _pipelines.Dispose();

    [Benchmark(Baseline = true)]
    public void OpenTelemetry()
    {
        using var activity = _pipelines.Source.StartActivity("op");
        for (int i = 0; i < Attributes; i++)
        {
            activity?.SetTag(s_keys[i], i);
        }
    }

    [Benchmark]
    public void TracingSdk()
    {
        var span = _pipelines.Tracer.StartSpan("op");
        for (int i = 0; i < Attributes; i++)
        {
            span.SetAttribute(s_keys[i], i);
        }

        span.End();
    }

    private static string[] MakeKeys()
    {
        var keys = new string[30];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = "attribute." + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return keys;
    }
}

/// <summary>A sampled span started and ended as the innermost of <see cref="Depth"/> active spans (per span of the nest).</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class NestingGrowthBenchmarks
{
    private Pipelines _pipelines = null!;

    [Params(1, 4, 16)]
    public int Depth { get; set; }

    [GlobalSetup]
    public void Setup() => _pipelines = new Pipelines("bench.growth.nesting", sampled: true);

    [GlobalCleanup]
    public void Cleanup() => _pipelines.Dispose();

    [Benchmark(Baseline = true)]
    public void OpenTelemetry() => OTelNest(Depth);

    [Benchmark]
    public void TracingSdk() => OursNest(Depth);

    private void OTelNest(int depth)
    {
        using var activity = _pipelines.Source.StartActivity("level");
        if (depth > 1)
        {
            OTelNest(depth - 1);
        }
    }

    private void OursNest(int depth)
    {
        using var scope = _pipelines.Tracer.StartActiveSpan("level");
        if (depth > 1)
        {
            OursNest(depth - 1);
        }
    }
}

/// <summary>
/// Our protobuf serializer per span as the batch grows (the OTLP request of <see cref="BatchSize"/> typical spans), and
/// the request's size on the wire per span, printed once per size in the setup.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class BatchSizeGrowthBenchmarks
{
    private readonly OtlpProtobufSerializer _serializer = new();
    private readonly ExportBuffer _buffer = new();
    private SpanData[] _spans = null!;

    [Params(1, 64, 512, 2048)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _spans = TypicalBatch.Spans(BatchSize);
        int bytes = _serializer.Serialize(new SpanBatch(_spans, BatchSize), _buffer);
        System.Console.WriteLine($"// wire size: batch {BatchSize}: {bytes} bytes, {(double)bytes / BatchSize:F1} bytes per span");
    }

    [GlobalCleanup]
    public void Cleanup() => _buffer.Dispose();

    [Benchmark]
    public int SerializeProtobuf() => _serializer.Serialize(new SpanBatch(_spans, BatchSize), _buffer);
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OtelExporter = OpenTelemetry.Exporter.OtlpTraceExporter;
using OtelOptions = OpenTelemetry.Exporter.OtlpExporterOptions;
using OtelProtocol = OpenTelemetry.Exporter.OtlpExportProtocol;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// Serialize and send <see cref="ExportsPerOp"/> batches of 512 typical spans (5 attributes, 1 event) to an in-process
/// loopback receiver that discards, then flush: ours vs OpenTelemetry .NET's OTLP exporter, over gRPC and HTTP/protobuf.
/// Results are per span (OperationsPerInvoke = ExportsPerOp × 512). One operation ends only once every batch's response
/// has arrived (our <c>ForceFlush</c> waits for the requests in flight), so it measures whole exports for both
/// libraries: ours keeps up to <see cref="OtlpExporterOptions.MaxConcurrentExports"/> requests in flight (its
/// <c>Export</c> returns once the batch is encoded and a send slot is free, as it does under the batch processor, whose
/// late-outcome listener the setup stands in for), OpenTelemetry's sends one at a time and <c>ForceFlush</c> returns at
/// once. Until the pipelined exporter, an operation was one export of one batch. <see cref="TransportFloor"/> sends the
/// same request, serialized once in setup, through a plain <see cref="HttpClient"/>, one at a time: what the HTTP stack
/// and the receiver cost without any exporter, the part of a sequential export that no serializer can make faster.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class OtlpExportBenchmarks
{
    private const int BatchSize = 512;

    /// <summary>Batches exported per operation before the flush that waits for them.</summary>
    public const int ExportsPerOp = 4;

    private const int SpansPerOp = ExportsPerOp * BatchSize;

    private OtlpLoopbackReceiver _receiver = null!;
    private Tracing.Sdk.Exporter.Otlp.OtlpTraceExporter _ours = null!;
    private OtelExporter _otel = null!;
    private SpanData[] _spans = null!;
    private Activity[] _activities = null!;
    private HttpClient _floorClient = null!;
    private Uri _floorUri = null!;
    private byte[] _floorBody = null!;

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

        // What the batch processor does: listen for late outcomes, so an export may return while its request is in flight.
        _ours.PendingCompleted = static (_, _) => { };
        _otel = new OtelExporter(new OtelOptions
        {
            Endpoint = grpc ? _receiver.GrpcEndpoint : _receiver.HttpEndpoint,
            Protocol = grpc ? OtelProtocol.Grpc : OtelProtocol.HttpProtobuf,
        });

        _spans = TypicalBatch.Spans(BatchSize);

        // The floor: our serializer's bytes (the same size as OpenTelemetry's), framed for gRPC when asked.
        var serializer = new Tracing.Sdk.Exporter.Otlp.Serialization.OtlpProtobufSerializer();
        using (var buffer = new Tracing.Sdk.Exporter.Otlp.Serialization.ExportBuffer())
        {
            serializer.Serialize(new SpanBatch(_spans, BatchSize), buffer);
            int prefix = grpc ? 5 : 0;
            _floorBody = new byte[prefix + buffer.Length];
            buffer.Span.CopyTo(_floorBody.AsSpan(prefix));
            if (grpc)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_floorBody.AsSpan(1), (uint)buffer.Length);
            }
        }

        _floorClient = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        _floorUri = grpc ? new Uri(_receiver.GrpcEndpoint, "/opentelemetry.proto.collector.trace.v1.TraceService/Export") : _receiver.HttpEndpoint;

        _activities = TypicalBatch.Activities(BatchSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _floorClient.Dispose();
        _ours.Dispose();
        _otel.Dispose();
        _receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = SpansPerOp)]
    public bool OpenTelemetry()
    {
        bool ok = true;
        for (int i = 0; i < ExportsPerOp; i++)
        {
            ok &= _otel.Export(new Batch<Activity>(_activities, BatchSize)) == global::OpenTelemetry.ExportResult.Success;
        }

        return _otel.ForceFlush() && ok;
    }

    [Benchmark(OperationsPerInvoke = SpansPerOp)]
    public bool TracingSdk()
    {
        bool ok = true;
        for (int i = 0; i < ExportsPerOp; i++)
        {
            ok &= _ours.Export(new SpanBatch(_spans, BatchSize), default) != Tracing.Sdk.Exporting.ExportResult.Failure;
        }

        return _ours.ForceFlush(System.Threading.Timeout.InfiniteTimeSpan) && ok;
    }

    [Benchmark(OperationsPerInvoke = SpansPerOp)]
    public HttpStatusCode TransportFloor()
    {
        var status = HttpStatusCode.OK;
        for (int i = 0; i < ExportsPerOp; i++)
        {
            status = SendFloorRequest();
        }

        return status;
    }

    private HttpStatusCode SendFloorRequest()
    {
        bool grpc = Transport == "grpc";
        using var message = new HttpRequestMessage(HttpMethod.Post, _floorUri) { Content = new ByteArrayContent(_floorBody) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(grpc ? "application/grpc" : "application/x-protobuf");
        if (grpc)
        {
            message.Version = HttpVersion.Version20;
            message.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            message.Headers.TryAddWithoutValidation("te", "trailers");
            using var response = _floorClient.SendAsync(message, HttpCompletionOption.ResponseContentRead).GetAwaiter().GetResult();
            return response.StatusCode;
        }

        using var reply = _floorClient.Send(message);
        return reply.StatusCode;
    }
}

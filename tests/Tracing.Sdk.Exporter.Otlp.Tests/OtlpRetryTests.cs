using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.TestSupport;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpRetryTests
{
    private static OtlpExporterOptions Options(Uri endpoint, OtlpExportProtocol protocol) => new()
    {
        Endpoint = endpoint,
        Protocol = protocol,
        Timeout = TimeSpan.FromMilliseconds(20_000),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task Export_RetriesUnavailable_AndDeliversEverySpanExactlyOnce()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        receiver.Faults.Enqueue(new Fault(GrpcStatusCode.Unavailable));
        receiver.Faults.Enqueue(new Fault(GrpcStatusCode.Unavailable));
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint, OtlpExportProtocol.Grpc));
        var spans = TestSpans.Typical(10);

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(spans), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.Equal(spans.Select(s => s.SpanId.ToString()).Order(), receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).Order());
        Assert.Equal(3, receiver.Attempts);
        Assert.Equal(2, exporter.Retries);
        Assert.Equal(10, exporter.ExportedSpans);
        Assert.Equal(0, exporter.DroppedSpans);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(502)]
    [InlineData(504)]
    public async Task Export_RetriesRetryableHttpStatus_AndDeliversOnce(int status)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        receiver.Faults.Enqueue(new Fault(HttpStatus: status));
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint, OtlpExportProtocol.HttpProtobuf));

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(3)), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.Equal(3, receiver.Spans.Count());
        Assert.Equal(1, exporter.Retries);
        Assert.Equal(3, exporter.ExportedSpans);
    }

    [Fact]
    public async Task Export_DropsAndCounts_WhenGrpcSaysInvalidArgument()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        receiver.Faults.Enqueue(new Fault(GrpcStatusCode.InvalidArgument));
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint, OtlpExportProtocol.Grpc));

        Assert.Equal(ExportResult.Failure, exporter.Export(TestSpans.Batch(TestSpans.Typical(4)), CancellationToken.None));

        Assert.Equal(1, receiver.Attempts);
        Assert.Equal(0, exporter.Retries);
        Assert.Equal(4, exporter.DroppedSpans);
        Assert.Equal(0, exporter.ExportedSpans);
    }

    [Fact]
    public async Task Export_ReportsEveryRetryAndDrop_ToTheEventSource()
    {
        using var log = new EventLog("Tracing-Sdk-Exporter-Otlp");
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        receiver.Faults.Enqueue(new Fault(GrpcStatusCode.Unavailable));
        receiver.Faults.Enqueue(new Fault(GrpcStatusCode.PermissionDenied));
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint, OtlpExportProtocol.Grpc));

        exporter.Export(TestSpans.Batch(TestSpans.Typical(3)), CancellationToken.None);

        string endpoint = exporter.Endpoint.ToString();
        var mine = log.Events.Where(e => e.Payload!.Contains(endpoint)).ToArray();
        Assert.Contains(mine, e => e.EventId == 40 && ((string)e.Payload![2]!).Contains("Unavailable"));
        Assert.Contains(mine, e => e.EventId == 41 && (int)e.Payload![0]! == 3 && ((string)e.Payload![2]!).Contains("PermissionDenied"));
    }

    [Fact]
    public async Task Export_DropsAndCounts_AfterShutdown()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint, OtlpExportProtocol.HttpProtobuf));

        Assert.True(exporter.Shutdown(TimeSpan.FromSeconds(10)));

        Assert.Equal(ExportResult.Failure, exporter.Export(TestSpans.Batch(TestSpans.Typical(2)), CancellationToken.None));
        Assert.Equal(2, exporter.DroppedSpans);
        Assert.Equal(0, receiver.Attempts);
    }

    [Fact]
    public async Task Export_DropsAndCounts_WhenHttpSays400()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        receiver.Faults.Enqueue(new Fault(HttpStatus: 400));
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint, OtlpExportProtocol.HttpProtobuf));

        Assert.Equal(ExportResult.Failure, exporter.Export(TestSpans.Batch(TestSpans.Typical(4)), CancellationToken.None));

        Assert.Equal(1, receiver.Attempts);
        Assert.Equal(0, exporter.Retries);
        Assert.Equal(4, exporter.DroppedSpans);
    }

    [Fact]
    public async Task Export_HonoursRetryAfter_OverItsOwnBackoff()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: false);
        receiver.Faults.Enqueue(new Fault(HttpStatus: 429, RetryAfter: "0"));
        var options = Options(receiver.Endpoint, OtlpExportProtocol.HttpProtobuf);

        // Its own back-off would pass the export timeout and give up; only the server's hint lets the retry happen.
        options.InitialBackoff = TimeSpan.FromMinutes(10);
        options.MaxBackoff = TimeSpan.FromMinutes(10);
        using var exporter = new OtlpTraceExporter(options);

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(2)), CancellationToken.None));

        Assert.Equal(1, exporter.Retries);
        Assert.Equal(2, exporter.ExportedSpans);
    }

    [Fact]
    public async Task Export_HonoursGrpcRetryInfo_AndRetriesResourceExhaustedOnlyWithIt()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        receiver.Faults.Enqueue(new Fault(GrpcStatusCode.ResourceExhausted, RetryDelay: TimeSpan.FromMilliseconds(20)));
        receiver.Faults.Enqueue(new Fault(GrpcStatusCode.ResourceExhausted));
        var options = Options(receiver.Endpoint, OtlpExportProtocol.Grpc);
        options.InitialBackoff = TimeSpan.FromMinutes(10);
        options.MaxBackoff = TimeSpan.FromMinutes(10);
        using var exporter = new OtlpTraceExporter(options);

        // With RetryInfo: retried after the server's delay; then without it: not retryable.
        Assert.Equal(ExportResult.Failure, exporter.Export(TestSpans.Batch(TestSpans.Typical(2)), CancellationToken.None));

        Assert.Equal(2, receiver.Attempts);
        Assert.Equal(1, exporter.Retries);
        Assert.Equal(2, exporter.DroppedSpans);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_GivesUpWithinItsTimeout_WhenTheReceiverIsDown(OtlpExportProtocol protocol)
    {
        var endpoint = protocol == OtlpExportProtocol.Grpc ? new Uri($"http://127.0.0.1:{ClosedPort()}") : new Uri($"http://127.0.0.1:{ClosedPort()}/v1/traces");
        var options = Options(endpoint, protocol);
        options.Timeout = TimeSpan.FromMilliseconds(2_000);
        options.MaxRetryAttempts = 3;
        using var exporter = new OtlpTraceExporter(options);

        var export = Task.Run(() => exporter.Export(TestSpans.Batch(TestSpans.Typical(5)), CancellationToken.None));

        Assert.True(await Task.WhenAny(export, Task.Delay(TimeSpan.FromSeconds(60))) == export, "the export hung");
        Assert.Equal(ExportResult.Failure, await export);
        Assert.InRange(exporter.Retries, 0, 3);
        Assert.Equal(5, exporter.DroppedSpans);
    }

    [Fact]
    public async Task Export_StopsRetrying_WhenCancelled()
    {
        var options = Options(new Uri($"http://127.0.0.1:{ClosedPort()}"), OtlpExportProtocol.Grpc);
        options.InitialBackoff = TimeSpan.FromSeconds(5);
        options.MaxBackoff = TimeSpan.FromSeconds(5);
        options.Timeout = TimeSpan.FromMilliseconds(60_000);
        using var exporter = new OtlpTraceExporter(options);
        using var cts = new CancellationTokenSource();

        var export = Task.Run(() => exporter.Export(TestSpans.Batch(TestSpans.Typical(1)), cts.Token));
        cts.Cancel();

        Assert.Equal(ExportResult.Failure, await export.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, exporter.DroppedSpans);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    [InlineData(OtlpExportProtocol.HttpJson)]
    public async Task Export_CountsRejectedSpans_FromAPartialSuccess(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        receiver.Faults.Enqueue(new Fault(RejectSpans: 2));
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint, protocol));

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(5)), CancellationToken.None));

        Assert.Equal(2, exporter.RejectedSpans);
        Assert.Equal(2, exporter.DroppedSpans);
        Assert.Equal(3, exporter.ExportedSpans);
    }

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

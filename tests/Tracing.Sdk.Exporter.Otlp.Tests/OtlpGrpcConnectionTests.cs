using System;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>The HTTP/2 connection the gRPC exporter keeps to an http:// receiver, against real Kestrel.</summary>
public sealed class OtlpGrpcConnectionTests
{
    private static OtlpExporterOptions Options(Uri endpoint) => new()
    {
        Endpoint = endpoint,
        Protocol = OtlpExportProtocol.Grpc,
        Timeout = TimeSpan.FromSeconds(20),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task Export_ReusesOneConnection_ForManyBatches()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint));

        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(20)), CancellationToken.None));
        }

        await receiver.WaitForRequestsAsync(50);
        Assert.Equal(1000, exporter.ExportedSpans);
        Assert.Equal(0, exporter.Retries);
    }

    [Fact]
    public async Task Export_ReconnectsWithoutARetry_WhenTheServerClosedTheKeptConnection()
    {
        var first = await OtlpReceiver.StartAsync(grpc: true);
        int port = first.Port;
        using var exporter = new OtlpTraceExporter(Options(first.Endpoint));
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(3)), CancellationToken.None));
        await first.DisposeAsync();

        // A new server on the same port: the exporter's kept connection is dead and must be replaced on first use.
        await using var second = await OtlpReceiver.StartAsync(grpc: true, port);
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(4)), CancellationToken.None));

        await second.WaitForRequestsAsync(1);
        Assert.Equal(7, exporter.ExportedSpans);
        Assert.Equal(0, exporter.Retries);
        Assert.Equal(0, exporter.DroppedSpans);
    }

    [Fact]
    public async Task Export_SendsABatchLargerThanTheFlowControlWindows()
    {
        // About 1.5 MB: more than the 64 KiB default windows and Kestrel's 1 MiB connection window, so the exporter has to
        // wait for WINDOW_UPDATE frames between DATA frames.
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        using var exporter = new OtlpTraceExporter(Options(receiver.Endpoint));

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(6000)), CancellationToken.None));

        await receiver.WaitForRequestsAsync(1);
        Assert.Equal(6000, exporter.ExportedSpans);
    }
}

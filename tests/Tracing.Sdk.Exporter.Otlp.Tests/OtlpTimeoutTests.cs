using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Xunit;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpTimeoutTests
{
    // Both transports reuse one timeout source across exports; one that fired cannot be reset and must be replaced.
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_DeliversAgain_AfterAnAttemptTimedOut(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        using var gate = new ManualResetEventSlim(false);
        receiver.Gate = gate;
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = receiver.Endpoint,
            Protocol = protocol,
            Timeout = TimeSpan.FromSeconds(1),
            RetryEnabled = false,
        });

        var stalled = TestSpans.Typical(3);
        Assert.Equal(ExportResult.Failure, exporter.Export(TestSpans.Batch(stalled), CancellationToken.None));
        Assert.Equal(3, exporter.DroppedSpans);

        gate.Set();
        var later = TestSpans.Typical(4);
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(later), CancellationToken.None));
        Assert.Equal(4, exporter.ExportedSpans);

        var received = receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).ToHashSet();
        Assert.All(later, s => Assert.Contains(s.SpanId.ToString(), received));
    }
}

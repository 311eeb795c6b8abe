using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpTimeoutTests
{
    // Both transports reuse one timeout source across exports; one that was cancelled (by the export's timeout, or by
    // the caller's token, which cancels it too) cannot be reset and must be replaced, or every later export would fail.
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_DeliversAgain_AfterAnAttemptWasCancelled(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == OtlpExportProtocol.Grpc);
        using var gate = new ManualResetEventSlim(false);
        receiver.Gate = gate;
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = receiver.Endpoint,
            Protocol = protocol,
            Timeout = TestTimeouts.InProcess,
            RetryEnabled = false,
        });

        // The first attempt reaches the receiver, which holds it; the caller gives up.
        using var cancel = new CancellationTokenSource();
        var stalled = TestSpans.Typical(3);
        var first = Task.Run(() => exporter.Export(TestSpans.Batch(stalled), cancel.Token));
        Assert.True(SpinWait.SpinUntil(() => receiver.Attempts >= 1, TestTimeouts.InProcess));
        cancel.Cancel();
        Assert.Equal(ExportResult.Failure, await first);
        Assert.Equal(3, exporter.DroppedSpans);

        gate.Set();
        var later = TestSpans.Typical(4);
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(later), CancellationToken.None));
        Assert.Equal(4, exporter.ExportedSpans);

        var received = receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).ToHashSet();
        Assert.All(later, s => Assert.Contains(s.SpanId.ToString(), received));
    }
}

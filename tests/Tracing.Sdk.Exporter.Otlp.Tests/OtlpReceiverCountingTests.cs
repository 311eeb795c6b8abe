using System;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Tracing.Sdk.Exporter.Otlp.Proto.Collector;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>The shared receiver's counting mode (what the benchmarks rely on) counts exactly what was sent.</summary>
public class OtlpReceiverCountingTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    [InlineData(OtlpExportProtocol.HttpJson)]
    public async Task CountMode_CountsEverySpanSent_AndKeepsNothing(OtlpExportProtocol protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(OtlpReceiverMode.Count);
        var endpoint = protocol == OtlpExportProtocol.Grpc ? receiver.GrpcEndpoint : receiver.HttpEndpoint;
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions { Endpoint = endpoint, Protocol = protocol });

        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(300)), CancellationToken.None));
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(TestSpans.Typical(212)), CancellationToken.None));

        Assert.True(await receiver.WaitForSpansAsync(512, TestTimeouts.InProcess));
        Assert.Equal(512, receiver.SpanCount);
        Assert.True(receiver.ByteCount > 0);
        Assert.Empty(receiver.Requests);
        Assert.Empty(receiver.Bodies);
    }

    [Fact]
    public void CountSpans_AgreesWithTheGeneratedParser_AndSurvivesATruncatedRequest()
    {
        var request = new ExportTraceServiceRequest();
        for (int r = 0; r < 3; r++)
        {
            var resourceSpans = new Tracing.Sdk.Exporter.Otlp.Proto.Trace.ResourceSpans();
            for (int s = 0; s < 2; s++)
            {
                var scope = new Tracing.Sdk.Exporter.Otlp.Proto.Trace.ScopeSpans();
                for (int i = 0; i <= r + s; i++)
                {
                    scope.Spans.Add(new Tracing.Sdk.Exporter.Otlp.Proto.Trace.Span { Name = "s" + i, TraceId = ByteString.CopyFrom(new byte[16]) });
                }

                resourceSpans.ScopeSpans.Add(scope);
            }

            request.ResourceSpans.Add(resourceSpans);
        }

        byte[] bytes = request.ToByteArray();
        Assert.Equal(15, OtlpWire.CountSpans(bytes));
        Assert.InRange(OtlpWire.CountSpans(bytes.AsSpan(0, bytes.Length / 2)), 0, 14);
        Assert.Equal(0, OtlpWire.CountSpans([0xFF, 0xFF, 0xFF]));
    }

    [Fact]
    public async Task WaitForSpans_ReturnsFalse_WhenTheSpansNeverCome()
    {
        await using var receiver = await OtlpReceiver.StartAsync(OtlpReceiverMode.Count);
        Assert.False(await receiver.WaitForSpansAsync(1, TimeSpan.FromMilliseconds(50)));
    }
}

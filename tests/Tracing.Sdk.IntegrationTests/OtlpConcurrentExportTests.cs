using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporter.Otlp;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;
using Tracing.Sdk.TestSupport;
using Xunit;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>
/// The OTLP exporter keeps several requests in flight (<see cref="OtlpExporterOptions.MaxConcurrentExports"/>) for a
/// caller that counts late outcomes, against real receivers on loopback: how many are in flight, when an export waits,
/// how a late failure is counted, flush and shutdown, and the spool. Here (beside the core's internals) the tests can
/// stand in for the batch processor's late-outcome listener, or use the real processor and read its exact counts.
/// </summary>
public sealed class OtlpConcurrentExportTests
{
    private static OtlpExporterOptions Options(OtlpReceiver receiver, bool grpc, int slots = 2, TimeSpan? timeout = null) => new()
    {
        Endpoint = receiver.Endpoint,
        Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf,
        MaxConcurrentExports = slots,
        Timeout = timeout ?? TimeSpan.FromSeconds(60),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Export_ReturnsWhileNRequestsAreInFlight_AndTheNextWaitsForOneToComplete(bool grpc)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc);
        using var gate = new ManualResetEventSlim(false);
        receiver.Gate = gate;
        using var exporter = new OtlpTraceExporter(Options(receiver, grpc, slots: 2));
        var completions = new ConcurrentQueue<(int Spans, ExportResult Result)>();
        exporter.PendingCompleted = (n, r) => completions.Enqueue((n, r));
        var spans = MakeSpans(30);

        // Both return while their requests are held by the receiver: they are in flight at the same time.
        Assert.Equal(ExportResult.Pending, exporter.Export(new SpanBatch(spans[..10], 10), CancellationToken.None));
        Assert.Equal(ExportResult.Pending, exporter.Export(new SpanBatch(spans[10..20], 10), CancellationToken.None));
        Waiting.Until(() => receiver.Attempts == 2, "two requests held by the receiver at once");

        // The third has no free slot: it can only return after one of the two completed (and was counted).
        int completedWhenThirdReturned = -1;
        var third = Task.Run(() =>
        {
            var result = exporter.Export(new SpanBatch(spans[20..], 10), CancellationToken.None);
            completedWhenThirdReturned = completions.Count;
            return result;
        });
        Assert.False(third.IsCompleted);
        Assert.Empty(completions);

        gate.Set();
        Assert.Equal(ExportResult.Pending, await third);
        Assert.True(completedWhenThirdReturned >= 1, "the third export returned before any request in flight completed");

        Assert.True(exporter.ForceFlush(Timeout.InfiniteTimeSpan));
        Assert.Equal(3, completions.Count);
        Assert.All(completions, c => Assert.Equal((10, ExportResult.Success), c));
        Assert.Equal(30, exporter.ExportedSpans);
        Assert.Equal(0, exporter.DroppedSpans);
        Assert.Equal(
            spans.Select(s => s.SpanId.ToString()).Order(StringComparer.Ordinal),
            receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ForceFlush_ReturnsOnlyAfterEveryRequestInFlightCompleted(bool grpc)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc);
        using var gate = new ManualResetEventSlim(false);
        receiver.Gate = gate;
        using var exporter = new OtlpTraceExporter(Options(receiver, grpc, slots: 4));
        var completions = new ConcurrentQueue<(int Spans, ExportResult Result)>();
        exporter.PendingCompleted = (n, r) => completions.Enqueue((n, r));
        var spans = MakeSpans(12);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(ExportResult.Pending, exporter.Export(new SpanBatch(spans[(i * 4)..((i + 1) * 4)], 4), CancellationToken.None));
        }

        Waiting.Until(() => receiver.Attempts == 3, "three requests held by the receiver");
        int completedWhenFlushed = -1;
        long exportedWhenFlushed = -1;
        var flush = Task.Run(() =>
        {
            bool done = exporter.ForceFlush(Timeout.InfiniteTimeSpan);
            completedWhenFlushed = completions.Count;
            exportedWhenFlushed = exporter.ExportedSpans;
            return done;
        });
        Assert.False(flush.IsCompleted);

        gate.Set();
        Assert.True(await flush);
        Assert.Equal(3, completedWhenFlushed);
        Assert.Equal(12, exportedWhenFlushed);
        Assert.Equal(12, receiver.SpanCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABatchThatFailsAfterExportReturned_IsCountedAsDropped_ByTheProcessorAndTheExporter_AndReported(bool grpc)
    {
        using var log = new EventLog("Tracing-Sdk-Exporter-Otlp");
        await using var receiver = await OtlpReceiver.StartAsync(grpc);
        receiver.Faults.Enqueue(grpc ? new Fault(GrpcStatusCode.InvalidArgument) : new Fault(HttpStatus: 400));
        var exporter = new OtlpTraceExporter(Options(receiver, grpc, slots: 4));
        var processor = new BatchExportProcessor(exporter, new BatchExportProcessorOptions { MaxExportBatchSize = 10, ScheduledDelay = TimeSpan.FromMinutes(10) });
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("late").AddProcessor(processor).Build();
        var tracer = provider.GetTracer("late");

        // Three batches of 10: exactly one request is refused for good, after its Export returned (pending).
        for (int i = 0; i < 30; i++)
        {
            tracer.StartSpan("op").End();
        }

        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(60)));
        var stats = processor.GetStats();
        Assert.Equal(30, stats.Enqueued);
        Assert.Equal(20, stats.Exported);
        Assert.Equal(10, stats.DroppedExportFailure);
        Assert.Equal(0, stats.DroppedShutdown);
        Assert.Equal(stats.Enqueued, stats.Exported + stats.Dropped);
        Assert.Equal(0, processor.PendingSpans);
        Assert.Equal(20, exporter.ExportedSpans);
        Assert.Equal(10, exporter.DroppedSpans);
        Assert.Equal(20, receiver.SpanCount);
        Assert.Contains(log.Events, e => e.EventId == 41 && (int)e.Payload![0]! == 10 && ((string)e.Payload[2]!).StartsWith("not retryable", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARequestInFlightThatFailsRetryably_IsRetriedAfterExportReturned_AndDeliveredAndCountedOnce(bool grpc)
    {
        // The slot's thread backs off and retries after Export returned: the same attempts, retries and counts as in place.
        await using var receiver = await OtlpReceiver.StartAsync(grpc);
        receiver.Faults.Enqueue(grpc ? new Fault(GrpcStatusCode.Unavailable) : new Fault(HttpStatus: 503));
        receiver.Faults.Enqueue(grpc ? new Fault(GrpcStatusCode.Unavailable) : new Fault(HttpStatus: 503));
        using var exporter = new OtlpTraceExporter(Options(receiver, grpc, slots: 2));
        var completions = new ConcurrentQueue<(int Spans, ExportResult Result)>();
        exporter.PendingCompleted = (n, r) => completions.Enqueue((n, r));
        var spans = MakeSpans(10);

        Assert.Equal(ExportResult.Pending, exporter.Export(new SpanBatch(spans, 10), CancellationToken.None));
        Assert.True(exporter.ForceFlush(Timeout.InfiniteTimeSpan));

        Assert.Equal([(10, ExportResult.Success)], completions);
        Assert.Equal(3, receiver.Attempts);
        Assert.Equal(2, exporter.Retries);
        Assert.Equal(10, exporter.ExportedSpans);
        Assert.Equal(0, exporter.DroppedSpans);
        Assert.Equal(
            spans.Select(s => s.SpanId.ToString()).Order(StringComparer.Ordinal),
            receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Shutdown_WithTheBackendHanging_EndsWithinItsBound_AndCountsWhatWasInFlightAsDroppedByTheShutdown(bool grpc)
    {
        using var log = new EventLog("Tracing-Sdk-Exporter-Otlp");
        await using var receiver = await OtlpReceiver.StartAsync(grpc);
        using var gate = new ManualResetEventSlim(false);
        receiver.Gate = gate;

        // The attempt's own timeout is far beyond the test: only shutdown's bound can end the requests in flight.
        var exporter = new OtlpTraceExporter(Options(receiver, grpc, slots: 2, timeout: TimeSpan.FromMinutes(10)));
        var processor = new BatchExportProcessor(exporter, new BatchExportProcessorOptions { MaxExportBatchSize = 10, ScheduledDelay = TimeSpan.FromMilliseconds(50), ExportTimeout = TimeSpan.FromMinutes(10) });
        var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("down").AddProcessor(processor).Build();
        var tracer = provider.GetTracer("down");
        for (int i = 0; i < 20; i++)
        {
            tracer.StartSpan("op").End();
        }

        // The scheduled export (50 ms) sends both batches; the receiver holds them.
        Waiting.Until(() => receiver.Attempts == 2, "two requests held by the hanging receiver", () => $"attempts {receiver.Attempts}, pending {processor.PendingSpans}, stats {processor.GetStats()}");
        var stopped = Task.Run(() => provider.Shutdown(TimeSpan.FromSeconds(2)));

        // The receiver holds requests for a minute; shutdown must end them long before (the gate is still closed).
        Assert.Same(stopped, await Task.WhenAny(stopped, Task.Delay(TestTimeouts.InProcess)));
        await stopped;
        Assert.False(gate.IsSet);
        Waiting.Until(() => processor.PendingSpans == 0, "the cancelled requests' outcomes");
        var stats = processor.GetStats();
        Assert.Equal(20, stats.Enqueued);
        Assert.Equal(0, stats.Exported);
        Assert.Equal(20, stats.DroppedShutdown);
        Assert.Equal(stats.Enqueued, stats.Exported + stats.Dropped);
        Assert.Equal(20, exporter.DroppedSpans);
        Assert.Contains(log.Events, e => e.EventId == 41 && ((string)e.Payload![2]!).StartsWith("shutdown", StringComparison.Ordinal));
        gate.Set();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WithASpool_EverySpanArrivesExactlyOnce_WhenRequestsInFlightFailAndTheReceiverRecovers(bool grpc)
    {
        string directory = Path.Combine(Path.GetTempPath(), "tracing-sdk-pipeline-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var receiver = await OtlpReceiver.StartAsync(grpc);
            for (int i = 0; i < 4; i++)
            {
                receiver.Faults.Enqueue(grpc ? new Fault(GrpcStatusCode.Unavailable) : new Fault(HttpStatus: 503));
            }

            var options = Options(receiver, grpc, slots: 4);
            options.SpoolDirectory = directory;
            var exporter = new OtlpTraceExporter(options);
            var processor = new BatchExportProcessor(exporter, new BatchExportProcessorOptions { MaxExportBatchSize = 25, MaxQueueSize = 10_000, ScheduledDelay = TimeSpan.FromMilliseconds(50) });
            var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("spool").AddProcessor(processor).Build();
            var tracer = provider.GetTracer("spool");
            var ids = new HashSet<string>();
            for (int i = 0; i < 1000; i++)
            {
                var span = tracer.StartSpan("op");
                ids.Add(span.Context.SpanId.ToString());
                span.End();
            }

            Waiting.Until(() => { provider.ForceFlush(TimeSpan.FromSeconds(10)); return receiver.SpanCount >= 1000; }, "every span at the receiver");
            Assert.True(provider.Shutdown(TimeSpan.FromSeconds(10)));

            var received = receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).ToList();
            Assert.Equal(1000, received.Count);
            Assert.Equal(ids.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
            Assert.True(exporter.SpooledSpans > 0, "no batch went through the spool");
            Assert.Equal(1000, exporter.ExportedSpans);
            Assert.Equal(0, exporter.DroppedSpans);
            var stats = processor.GetStats();
            Assert.Equal(1000, stats.Exported);
            Assert.Equal(stats.Enqueued, stats.Exported + stats.Dropped);
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Export_CalledDirectly_SendsInPlace_AndReturnsTheFinalResult()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        using var exporter = new OtlpTraceExporter(Options(receiver, grpc: true, slots: 4));

        Assert.Equal(ExportResult.Success, exporter.Export(new SpanBatch(MakeSpans(5), 5), CancellationToken.None));
        Assert.Equal(5, exporter.ExportedSpans);
        Assert.Equal(5, receiver.SpanCount);
    }

    private static SpanData[] MakeSpans(int count)
    {
        var spans = new List<SpanData>();
        using (var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("pipeline").AddInMemoryExporter(spans).Build())
        {
            var tracer = provider.GetTracer("pipeline");
            for (int i = 0; i < count; i++)
            {
                var span = tracer.StartSpan("op " + i);
                span.SetAttribute("i", i);
                span.End();
            }
        }

        return spans.ToArray();
    }
}

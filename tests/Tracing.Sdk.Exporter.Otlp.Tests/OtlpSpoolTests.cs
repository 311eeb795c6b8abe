using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.TestSupport;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpSpoolTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tracing-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private OtlpExporterOptions Options(int port) => new()
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}"),
        Protocol = OtlpExportProtocol.Grpc,
        Timeout = TimeSpan.FromMilliseconds(3_000),
        MaxRetryAttempts = 1,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        SpoolDirectory = _directory,
    };

    [Fact]
    public async Task Spool_DeliversEverySpanExactlyOnce_WhenTheReceiverComesBack()
    {
        using var log = new EventLog("Tracing-Sdk-Exporter-Otlp");
        int port = OtlpRetryTests.ClosedPort();
        using var exporter = new OtlpTraceExporter(Options(port));
        var first = TestSpans.Typical(3);
        var second = TestSpans.Typical(4);

        // Spooled batches count as handed over (Success): the processor must not count them as dropped.
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(first), CancellationToken.None));
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(second), CancellationToken.None));
        Assert.Equal(7, exporter.SpooledSpans);
        Assert.Equal(0, exporter.DroppedSpans);

        await using var receiver = await OtlpReceiver.StartAsync(grpc: true, port);
        var third = TestSpans.Typical(2);
        var result = exporter.Export(TestSpans.Batch(third), CancellationToken.None);
        Assert.True(result == ExportResult.Success, log.ToString());

        // The exporter knows the receiver was down, so the third batch queues behind the older two (in order) and the
        // background drain delivers all three; each file leaves the spool once accepted.
        await receiver.WaitForRequestsAsync(3);
        var expected = first.Concat(second).Concat(third).Select(s => s.SpanId.ToString()).Order();
        Assert.Equal(expected, receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).Order());
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while ((exporter.ExportedSpans < 9 || Directory.GetFiles(_directory).Length > 0) && wait.Elapsed < TestTimeouts.InProcess)
        {
            await Task.Delay(20);
        }

        Assert.Equal(9, exporter.ExportedSpans);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Spool_IsSentByANewExporter_AfterARestart()
    {
        int port = OtlpRetryTests.ClosedPort();
        var spans = TestSpans.Typical(5);
        using (var a = new OtlpTraceExporter(Options(port)))
        {
            a.Export(TestSpans.Batch(spans), CancellationToken.None);
            Assert.Equal(5, a.SpooledSpans);
        }

        await using var receiver = await OtlpReceiver.StartAsync(grpc: true, port);
        using var b = new OtlpTraceExporter(Options(port));

        Assert.True(b.ForceFlush(TimeSpan.FromSeconds(30)));

        await receiver.WaitForRequestsAsync(1);
        Assert.Equal(spans.Select(s => s.SpanId.ToString()).Order(), receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).Order());
        Assert.Equal(5, b.ExportedSpans);
    }

    [Fact]
    public async Task Spool_SkipsCountsAndDeletesCorruptFiles()
    {
        int port = OtlpRetryTests.ClosedPort();
        using (var a = new OtlpTraceExporter(Options(port)))
        {
            a.Export(TestSpans.Batch(TestSpans.Typical(2)), CancellationToken.None);
            a.Export(TestSpans.Batch(TestSpans.Typical(3)), CancellationToken.None);
        }

        var files = Directory.GetFiles(_directory).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, files.Length);
        var bytes = File.ReadAllBytes(files[0]);
        File.WriteAllBytes(files[0], bytes[..^5]); // truncated
        File.WriteAllBytes(Path.Combine(_directory, "0000000000000000000-garbage.otlpspool"), [1, 2, 3]);

        await using var receiver = await OtlpReceiver.StartAsync(grpc: true, port);
        using var b = new OtlpTraceExporter(Options(port));
        Assert.True(b.ForceFlush(TimeSpan.FromSeconds(30)));

        await receiver.WaitForRequestsAsync(1);
        Assert.Equal(3, receiver.Spans.Count());
        Assert.Equal(2, b.CorruptSpoolFiles);
        Assert.Equal(2, b.DroppedSpans);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void Spool_DropsTheOldestBatch_WhenItsSizeCapIsReached()
    {
        var options = Options(OtlpRetryTests.ClosedPort());
        options.SpoolMaxBytes = 1500;
        using var exporter = new OtlpTraceExporter(options);

        exporter.Export(TestSpans.Batch(TestSpans.Typical(3)), CancellationToken.None);
        exporter.Export(TestSpans.Batch(TestSpans.Typical(3)), CancellationToken.None);
        exporter.Export(TestSpans.Batch(TestSpans.Typical(3)), CancellationToken.None);

        long onDisk = Directory.GetFiles(_directory).Sum(f => new FileInfo(f).Length);
        Assert.True(onDisk <= 1500);
        Assert.True(exporter.DroppedSpans >= 3);
        Assert.Equal(9, exporter.SpooledSpans);
    }

    [Fact]
    public void Spool_CreatesItsDirectoryForTheOwnerOnly()
    {
        using var exporter = new OtlpTraceExporter(Options(OtlpRetryTests.ClosedPort()));

        Assert.True(Directory.Exists(_directory));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
        }
    }

    [Fact]
    public async Task ABatchWhoseFirstAttemptFails_IsOnDiskBeforeAnyBackOff_AndLeavesOnlyOnceAccepted()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        receiver.Faults.Enqueue(new Fault(Grpc.Core.StatusCode.Unavailable)); // the first attempt
        receiver.Faults.Enqueue(new Fault(Grpc.Core.StatusCode.Unavailable)); // the first retry, from the spool
        var options = Options(receiver.Port);
        options.InitialBackoff = TimeSpan.FromMilliseconds(200);
        options.MaxBackoff = TimeSpan.FromMilliseconds(400);
        using var exporter = new OtlpTraceExporter(options);
        var spans = TestSpans.Typical(4);

        // Export returns as soon as the batch is written: no retry (and so no back-off wait) has happened yet.
        Assert.Equal(ExportResult.Success, exporter.Export(TestSpans.Batch(spans), CancellationToken.None));
        Assert.Equal(4, exporter.SpooledSpans);
        Assert.Single(Directory.GetFiles(_directory));
        Assert.Empty(Directory.GetFiles(_directory, ".tmp-*"));

        // The background drain retries from the spool (refused once more: the file stays), then delivers; the file
        // is deleted only after the receiver accepted it.
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while ((exporter.ExportedSpans < 4 || Directory.GetFiles(_directory).Length > 0) && wait.Elapsed < TestTimeouts.InProcess)
        {
            // The file is deleted only after acceptance: once it is gone, the receiver must already have the spans.
            if (Directory.GetFiles(_directory).Length == 0)
            {
                Assert.NotEmpty(receiver.Spans);
            }

            await Task.Delay(10);
        }

        Assert.Equal(4, exporter.ExportedSpans);
        Assert.True(exporter.Retries >= 2);
        Assert.Empty(Directory.GetFiles(_directory));
        Assert.Equal(spans.Select(s => s.SpanId.ToString()).Order(), receiver.Spans.Select(s => Convert.ToHexStringLower(s.SpanId.ToByteArray())).Order());
    }

    [Fact]
    public void ShutdownThenDispose_DoesNotThrow_AndLaterBatchesAreDroppedAsShutdown()
    {
        var exporter = new OtlpTraceExporter(Options(OtlpRetryTests.ClosedPort()));
        exporter.BeginShutdown(TimeSpan.FromSeconds(1));
        Assert.True(exporter.Shutdown(TimeSpan.FromSeconds(1)));
        exporter.Dispose();
        exporter.BeginShutdown(TimeSpan.FromSeconds(1));
        Assert.False(exporter.ForceFlush(TimeSpan.FromSeconds(1)));

        Assert.Equal(ExportResult.Failure, exporter.Export(TestSpans.Batch(TestSpans.Typical(2)), CancellationToken.None));
        Assert.Equal(2, exporter.DroppedSpans);
    }
}

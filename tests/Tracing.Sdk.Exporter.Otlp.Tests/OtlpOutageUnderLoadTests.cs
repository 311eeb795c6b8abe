using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.Processing;
using Tracing.Sdk.TestSupport;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>
/// The whole pipeline (tracer → batch processor → OTLP/gRPC exporter → a real receiver) while the receiver goes down
/// under load and comes back. Nothing is lost silently: with the spool every span arrives exactly once; without it,
/// arrived + dropped = ended, exactly.
/// </summary>
public sealed class OtlpOutageUnderLoadTests : IDisposable
{
    private const int PerPhase = 3_000;
    private static readonly TimeSpan Generous = TestTimeouts.InProcess;
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "tracing-outage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    [Fact]
    public async Task ReceiverDownUnderLoad_WithTheSpool_EverySpanArrivesExactlyOnce()
    {
        var run = await RunOutageAsync(spool: true, queueSize: 65_536);

        Assert.Equal(3 * PerPhase, run.Ended);
        Assert.Equal(0, run.Dropped);
        Assert.True(run.Spooled > 0, "the outage should have sent batches to the spool");
        Assert.Equal(run.Expected.Order(), run.Arrived.Order()); // every span, once
        Assert.Empty(Directory.GetFiles(_spool));
    }

    [Fact]
    public async Task ReceiverDownUnderLoad_WithoutTheSpool_ArrivedPlusDroppedEqualsEnded()
    {
        var run = await RunOutageAsync(spool: false, queueSize: 2_048);

        Assert.Equal(3 * PerPhase, run.Ended);
        Assert.True(run.Dropped > 0, "the outage should have dropped spans");
        Assert.Equal(run.Arrived.Count, run.Arrived.Distinct().Count()); // never twice
        Assert.Equal(run.Ended, run.Arrived.Count + run.Dropped);
    }

    [Fact]
    public async Task SlowReceiver_NeverDelaysTheApplicationsThreads()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        using var gate = new ManualResetEventSlim(false);
        receiver.Gate = gate; // every request waits here until the test opens the gate
        var exporter = new OtlpTraceExporter(Options(receiver.Port, spool: false, timeoutMs: 1_000));
        var processor = new BatchExportProcessor(exporter, new BatchExportProcessorOptions { ScheduledDelay = TimeSpan.FromMilliseconds(10), ExportTimeout = TimeSpan.FromMilliseconds(2_000) });
        using var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).AddProcessor(processor).Build();
        var tracer = provider.GetTracer("slow");

        // While the receiver holds every request, the application still ends all its spans: End never waits on export.
        var producers = Enumerable.Range(0, 2).Select(t => Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                tracer.StartSpan("slow-" + t).End();
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(producers).WaitAsync(Generous);
        Assert.True(receiver.Attempts >= 1 || processor.Dropped > 0);

        gate.Set();
        provider.Shutdown(TimeSpan.FromSeconds(30));
        Assert.Equal(40_000, processor.Exported + processor.Dropped);
    }

    // The outage tests use a generous export timeout: an export that times out after the receiver processed it has an
    // unknown outcome and is counted as dropped (conservatively), which would break "arrived + dropped = ended" by
    // design. With the receiver stopped, failures are immediate connection refusals, never timeouts.
    private OtlpExporterOptions Options(int port, bool spool, int timeoutMs = 15_000) => new()
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}"),
        Protocol = OtlpExportProtocol.Grpc,
        Timeout = TimeSpan.FromMilliseconds(timeoutMs),
        MaxRetryAttempts = 1,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        SpoolDirectory = spool ? _spool : null,
    };

    private async Task<OutageRun> RunOutageAsync(bool spool, int queueSize)
    {
        int port = OtlpRetryTests.ClosedPort();
        var exporter = new OtlpTraceExporter(Options(port, spool));
        var processor = new BatchExportProcessor(exporter, new BatchExportProcessorOptions
        {
            MaxQueueSize = queueSize,
            ScheduledDelay = TimeSpan.FromMilliseconds(10),
            ExportTimeout = TimeSpan.FromMilliseconds(30_000),
        });
        var provider = new TracerProviderBuilder().SetSettingsSource(_ => null).SetServiceName("outage").AddProcessor(processor).Build();
        var tracer = provider.GetTracer("outage");
        var arrived = new List<string>();
        var expected = new List<string>();

        void Produce(string phase)
        {
            for (int i = 0; i < PerPhase; i++)
            {
                string name = phase + "-" + i;
                expected.Add(name);
                tracer.StartSpan(name).End();
            }
        }

        // Phase 1: the receiver is up.
        var first = await OtlpReceiver.StartAsync(grpc: true, port);
        Produce("up");
        Assert.True(provider.ForceFlush(TimeSpan.FromSeconds(60)));
        arrived.AddRange(first.Spans.Select(s => s.Name));
        await first.DisposeAsync();

        // Phase 2: the receiver is down while the application keeps ending spans. The flush hands every span to the
        // exporter; it reports false here (nothing could be delivered), which is the truth.
        Produce("down");
        provider.ForceFlush(TimeSpan.FromSeconds(60));

        // Phase 3: it comes back; the spool (if any) is resent with the next batches.
        var second = await OtlpReceiver.StartAsync(grpc: true, port);
        Produce("back");
        provider.ForceFlush(TimeSpan.FromSeconds(60));
        if (spool)
        {
            var wait = Stopwatch.StartNew();
            while (Directory.GetFiles(_spool).Length > 0 && wait.Elapsed < Generous)
            {
                exporter.ForceFlush(TimeSpan.FromSeconds(10));
            }
        }

        provider.Shutdown(TimeSpan.FromSeconds(60));
        arrived.AddRange(second.Spans.Select(s => s.Name));
        await second.DisposeAsync();

        return new OutageRun(expected, arrived, Ended: expected.Count, Dropped: processor.Dropped, Spooled: exporter.SpooledSpans);
    }

    private sealed record OutageRun(List<string> Expected, List<string> Arrived, long Ended, long Dropped, long Spooled);
}

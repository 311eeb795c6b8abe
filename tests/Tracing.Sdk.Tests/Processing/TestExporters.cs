using System;
using System.Collections.Concurrent;
using System.Threading;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Sampling;
using Tracing.Sdk.TestSupport;

namespace Tracing.Sdk.Tests.Processing;

/// <summary>Counts every span it receives and remembers each span id, to check exactly-once delivery.</summary>
internal sealed class CountingExporter : SpanExporter
{
    private long _spans;
    private long _calls;

    public ConcurrentDictionary<SpanId, int> Seen { get; } = new();

    public long Spans => Volatile.Read(ref _spans);

    public long Calls => Volatile.Read(ref _calls);

    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        foreach (var span in batch)
        {
            Seen.AddOrUpdate(span.SpanId, 1, static (_, n) => n + 1);
        }

        Interlocked.Add(ref _spans, batch.Count);
        return ExportResult.Success;
    }
}

/// <summary>Blocks every export until the gate opens; counts what it received. A fault for queue-full tests.</summary>
internal sealed class GatedExporter : SpanExporter
{
    private long _spans;

    public ManualResetEventSlim Gate { get; } = new(false);

    public ManualResetEventSlim Entered { get; } = new(false);

    public long Spans => Volatile.Read(ref _spans);

    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        Entered.Set();
        Gate.Wait(CancellationToken.None);
        Interlocked.Add(ref _spans, batch.Count);
        return ExportResult.Success;
    }

    protected override void Dispose(bool disposing)
    {
        Gate.Set();
        base.Dispose(disposing);
    }
}

/// <summary>Throws on the first export, succeeds afterwards.</summary>
internal sealed class ThrowOnceExporter : SpanExporter
{
    private int _calls;
    private long _spans;

    public long Spans => Volatile.Read(ref _spans);

    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) == 1)
        {
            throw new InvalidOperationException("exporter fault");
        }

        Interlocked.Add(ref _spans, batch.Count);
        return ExportResult.Success;
    }
}

/// <summary>
/// The first export hangs: it ignores its cancellation token and waits for <see cref="Release"/> (called by the test at
/// its end). It keeps the records it was given so the test can check they were not recycled. Later exports succeed.
/// </summary>
internal sealed class HangOnceExporter : SpanExporter
{
    private readonly ManualResetEventSlim _release = new(false);
    private int _calls;
    private long _spans;

    public SpanData[] Held { get; private set; } = [];

    public ManualResetEventSlim Entered { get; } = new(false);

    public ManualResetEventSlim TokenCancelled { get; } = new(false);

    public long Spans => Volatile.Read(ref _spans);

    public void Release() => _release.Set();

    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) == 1)
        {
            Held = batch.AsSpan().ToArray();
            cancellationToken.Register(TokenCancelled.Set);
            Entered.Set();
            _release.Wait(CancellationToken.None);
            return ExportResult.Success;
        }

        Interlocked.Add(ref _spans, batch.Count);
        return ExportResult.Success;
    }
}

/// <summary>Waits for its cancellation token on the first export (a slow but well-behaved exporter), then succeeds.</summary>
internal sealed class SlowOnceExporter : SpanExporter
{
    private int _calls;
    private long _spans;

    public long Spans => Volatile.Read(ref _spans);

    public ManualResetEventSlim Cancelled { get; } = new(false);

    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) == 1)
        {
            if (cancellationToken.WaitHandle.WaitOne(TestTimeouts.InProcess))
            {
                Cancelled.Set();
            }

            return ExportResult.Failure;
        }

        Interlocked.Add(ref _spans, batch.Count);
        return ExportResult.Success;
    }
}

/// <summary>Records every span but samples none.</summary>
internal sealed class RecordOnlySampler : Sampler
{
    public override string Description => "RecordOnly";

    public override SamplingResult ShouldSample(in SamplingParameters parameters) => new(SamplingDecision.RecordOnly);
}

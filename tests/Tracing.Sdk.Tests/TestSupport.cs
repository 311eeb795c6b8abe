using System;
using System.Collections.Generic;
using System.Threading;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;

namespace Tracing.Sdk.Tests;

/// <summary>A provider wired to an in-memory list, with settings from a dictionary instead of the process environment.</summary>
internal sealed class TestPipeline : IDisposable
{
    public TestPipeline(Action<TracerProviderBuilder>? configure = null, Dictionary<string, string>? settings = null)
    {
        var builder = new TracerProviderBuilder()
            .SetSettingsSource(name => settings is not null && settings.TryGetValue(name, out var v) ? v : null)
            .AddInMemoryExporter(Spans);
        configure?.Invoke(builder);
        Provider = builder.Build();
        Tracer = Provider.GetTracer("test", "1.2.3");
    }

    public List<SpanData> Spans { get; } = [];

    public TracerProvider Provider { get; }

    public Tracer Tracer { get; }

    public List<SpanData> Snapshot()
    {
        lock (Spans)
        {
            return [.. Spans];
        }
    }

    public void Dispose() => Provider.Dispose();
}

/// <summary>An exporter that drops everything: for allocation tests.</summary>
internal sealed class DiscardingExporter : SpanExporter
{
    public long Count;

    public override ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        Count += batch.Count;
        return ExportResult.Success;
    }
}

/// <summary>A processor that counts ends and keeps nothing.</summary>
internal sealed class CountingProcessor : SpanProcessor
{
    private long _ended;

    public long Ended => Interlocked.Read(ref _ended);

    public override void OnEnd(SpanData span) => Interlocked.Increment(ref _ended);
}

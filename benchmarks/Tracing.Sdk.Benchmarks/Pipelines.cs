using System;
using System.Diagnostics;
using System.Threading;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Tracing.Sdk.Exporting;
using Tracing.Sdk.Processing;
using OTelTracerProvider = OpenTelemetry.Trace.TracerProvider;

namespace Tracing.Sdk.Benchmarks;

/// <summary>
/// The two pipelines side by side, configured alike: a tracer (an ActivitySource for OpenTelemetry), a batch processor
/// with the default knobs, and an exporter that accepts everything and does nothing.
/// </summary>
public sealed class Pipelines : IDisposable
{
    public Pipelines(string name, bool sampled)
    {
        Source = new ActivitySource(name);
        OTel = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource(name)
            .SetSampler(sampled ? new OpenTelemetry.Trace.AlwaysOnSampler() : new OpenTelemetry.Trace.AlwaysOffSampler())
            .AddProcessor(new BatchActivityExportProcessor(OTelExporter))
            .Build()!;

        Processor = new BatchExportProcessor(Exporter);
        Ours = new TracerProviderBuilder()
            .SetSettingsSource(static _ => null)
            .SetSampler(sampled ? Sampling.Sampler.AlwaysOn : Sampling.Sampler.AlwaysOff)
            .AddProcessor(Processor)
            .Build();
        Tracer = Ours.GetTracer(name);
    }

    public ActivitySource Source { get; }

    public OTelTracerProvider OTel { get; }

    public CountingOTelExporter OTelExporter { get; } = new();

    public TracerProvider Ours { get; }

    public Tracer Tracer { get; }

    public BatchExportProcessor Processor { get; }

    public CountingExporter Exporter { get; } = new();

    public void Dispose()
    {
        OTel.Dispose();
        Source.Dispose();
        Ours.Dispose();
    }
}

/// <summary>OpenTelemetry exporter that counts and discards.</summary>
public sealed class CountingOTelExporter : BaseExporter<Activity>
{
    private long _spans;

    public long Spans => Volatile.Read(ref _spans);

    public override OpenTelemetry.ExportResult Export(in Batch<Activity> batch)
    {
        Interlocked.Add(ref _spans, batch.Count);
        return OpenTelemetry.ExportResult.Success;
    }
}

/// <summary>Our exporter that counts and discards.</summary>
public sealed class CountingExporter : SpanExporter
{
    private long _spans;

    public long Spans => Volatile.Read(ref _spans);

    public override Exporting.ExportResult Export(in SpanBatch batch, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _spans, batch.Count);
        return Exporting.ExportResult.Success;
    }
}

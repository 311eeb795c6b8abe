using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;

namespace Tracing.Sdk.Benchmarks.WebApp;

/// <summary>
/// Reads Tracing.Sdk's own <c>tracing.sdk.span.dropped</c> counter (a cumulative observable counter, by reason), so the
/// benchmark can tell spans the processor dropped (queue full, export failure) from spans lost on the way.
/// </summary>
internal sealed class SdkDrops : System.IDisposable
{
    private readonly MeterListener _listener = new();
    private long _queueFull;
    private long _exportFailure;

    public SdkDrops()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Tracing.Sdk" && instrument.Name == "tracing.sdk.span.dropped")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Cumulative drops: queue full, export failure.</summary>
    public (long QueueFull, long ExportFailure) Read()
    {
        _listener.RecordObservableInstruments();
        return (Volatile.Read(ref _queueFull), Volatile.Read(ref _exportFailure));
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, System.ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (tag.Key != "reason")
            {
                continue;
            }

            if (tag.Value is "queue_full")
            {
                Volatile.Write(ref _queueFull, value);
            }
            else if (tag.Value is "export_failure")
            {
                Volatile.Write(ref _exportFailure, value);
            }
        }
    }
}

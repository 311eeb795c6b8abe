using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Linq;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

/// <summary>Collects the exporter's self-log events (to check that drops are reported, and to explain failures).</summary>
internal sealed class EventLog : EventListener
{
    public ConcurrentQueue<EventWrittenEventArgs> Events { get; } = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Tracing-Sdk-Exporter-Otlp")
        {
            EnableEvents(eventSource, EventLevel.Verbose);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData) => Events.Enqueue(eventData);

    public override string ToString() => string.Join("\n", Events.Select(e => e.EventId + " " + string.Format(System.Globalization.CultureInfo.InvariantCulture, e.Message ?? string.Empty, e.Payload?.ToArray() ?? [])));
}

using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Linq;

namespace Tracing.Sdk.TestSupport;

/// <summary>
/// Collects the events of one of the SDK's EventSources (by name, from a level up) from the moment it is created until
/// it is disposed: the tests' one self-log listener.
/// </summary>
public sealed class EventLog : EventListener
{
    private readonly string? _sourceName;
    private readonly EventLevel _level;

    /// <summary>Starts collecting.</summary>
    /// <param name="sourceName">The EventSource's name, for example <c>Tracing-Sdk</c>.</param>
    /// <param name="level">The least severe level collected.</param>
    public EventLog(string sourceName, EventLevel level = EventLevel.Verbose)
    {
        _sourceName = sourceName;
        _level = level;

        // The base constructor reports the sources that already exist before the name is known: enable those now.
        foreach (var source in EventSource.GetSources())
        {
            if (source.Name == sourceName)
            {
                EnableEvents(source, level);
            }
        }
    }

    /// <summary>What was written, in order.</summary>
    public ConcurrentQueue<EventWrittenEventArgs> Events { get; } = new();

    /// <summary>Every event with its formatted message, one a line (to explain a failing assertion).</summary>
    public override string ToString() => string.Join("\n", Events.Select(e => e.EventId + " " + string.Format(CultureInfo.InvariantCulture, e.Message ?? string.Empty, e.Payload?.ToArray() ?? [])));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // _sourceName is still null while the base constructor runs.
        if (_sourceName is not null && eventSource.Name == _sourceName)
        {
            EnableEvents(eventSource, _level);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventSource.Name == _sourceName)
        {
            Events.Enqueue(eventData);
        }
    }
}

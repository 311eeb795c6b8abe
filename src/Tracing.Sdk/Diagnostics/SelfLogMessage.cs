using System.Diagnostics.Tracing;

namespace Tracing.Sdk.Diagnostics;

/// <summary>One warning or error of the SDK, as a <see cref="SelfLogListener"/> hands it over: already formatted and rate-limited.</summary>
public sealed class SelfLogMessage
{
    internal SelfLogMessage(string sourceName, int eventId, string eventName, EventLevel level, string message)
    {
        SourceName = sourceName;
        EventId = eventId;
        EventName = eventName;
        Level = level;
        Message = message;
    }

    /// <summary>The EventSource that wrote it, for example <c>Tracing-Sdk-Exporter-Otlp</c>.</summary>
    public string SourceName { get; }

    /// <summary>The event's id within its source.</summary>
    public int EventId { get; }

    /// <summary>The event's name, for example <c>InvalidConfiguration</c>.</summary>
    public string EventName { get; }

    /// <summary>The event's level.</summary>
    public EventLevel Level { get; }

    /// <summary>The formatted message.</summary>
    public string Message { get; }

    /// <summary>A logger category for the source: <c>Tracing-Sdk-Exporter-Otlp</c> becomes <c>Tracing.Sdk.Exporter.Otlp</c>.</summary>
    public string Category => SourceName.Replace('-', '.');
}

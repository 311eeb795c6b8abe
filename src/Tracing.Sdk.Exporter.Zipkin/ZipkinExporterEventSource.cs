using System.Diagnostics.Tracing;

namespace Tracing.Sdk.Exporter.Zipkin;

/// <summary>The Zipkin exporter's self-log: every retry and every dropped span, with the reason.</summary>
[EventSource(Name = "Tracing-Sdk-Exporter-Zipkin")]
internal sealed class ZipkinExporterEventSource : EventSource
{
    public static readonly ZipkinExporterEventSource Log = new();

    [Event(46, Level = EventLevel.Warning, Message = "Configuration '{0}' has an invalid value '{1}'; using {2}.")]
    public void InvalidConfiguration(string name, string value, string fallback)
    {
        if (IsEnabled())
        {
            WriteEvent(46, name, value, fallback);
        }
    }

    [Event(48, Level = EventLevel.Warning, Message = "Export to '{0}' failed (attempt {1}): {2}; retrying in {3} ms.")]
    public void ExportRetrying(string endpoint, int attempt, string reason, int delayMilliseconds)
    {
        if (IsEnabled())
        {
            WriteEvent(48, endpoint, attempt, reason, delayMilliseconds);
        }
    }

    [Event(49, Level = EventLevel.Error, Message = "Dropped {0} span(s) for '{1}': {2}")]
    public void SpansDropped(int spans, string endpoint, string reason)
    {
        if (IsEnabled())
        {
            WriteEvent(49, spans, endpoint, reason);
        }
    }
}

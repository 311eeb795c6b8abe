using System.Diagnostics.Tracing;

namespace Tracing.Sdk.Exporter.Otlp.Diagnostics;

/// <summary>
/// The OTLP exporter's self-log (event ids 40-49), one EventSource per package like the core's <c>Tracing-Sdk</c>:
/// every retry and every dropped span is reported here with its reason.
/// </summary>
[EventSource(Name = "Tracing-Sdk-Exporter-Otlp")]
internal sealed class OtlpExporterEventSource : EventSource
{
    public static readonly OtlpExporterEventSource Log = new();

    [Event(40, Level = EventLevel.Warning, Message = "Export to '{0}' failed (attempt {1}): {2}; retrying in {3} ms.")]
    public void ExportRetrying(string endpoint, int attempt, string reason, int delayMilliseconds)
    {
        if (IsEnabled())
        {
            WriteEvent(40, endpoint, attempt, reason, delayMilliseconds);
        }
    }

    [Event(41, Level = EventLevel.Error, Message = "Dropped {0} span(s) for '{1}': {2}")]
    public void SpansDropped(int spans, string endpoint, string reason)
    {
        if (IsEnabled())
        {
            WriteEvent(41, spans, endpoint, reason);
        }
    }

    [Event(42, Level = EventLevel.Warning, Message = "The receiver rejected {0} span(s): {1}")]
    public void PartialSuccess(long rejectedSpans, string message)
    {
        if (IsEnabled())
        {
            WriteEvent(42, rejectedSpans, message);
        }
    }

    [Event(43, Level = EventLevel.Warning, Message = "Spooled {0} span(s) to '{1}' for a later retry: {2}")]
    public void BatchSpooled(int spans, string file, string reason)
    {
        if (IsEnabled())
        {
            WriteEvent(43, spans, file, reason);
        }
    }

    [Event(44, Level = EventLevel.Error, Message = "Spool file '{0}' dropped ({1} span(s)): {2}")]
    public void SpoolFileDropped(string file, int spans, string reason)
    {
        if (IsEnabled())
        {
            WriteEvent(44, file, spans, reason);
        }
    }

    [Event(45, Level = EventLevel.Informational, Message = "Resent spool file '{0}' ({1} span(s)).")]
    public void SpoolFileSent(string file, int spans)
    {
        if (IsEnabled())
        {
            WriteEvent(45, file, spans);
        }
    }

    [Event(46, Level = EventLevel.Warning, Message = "Configuration '{0}' has an invalid value '{1}'; using {2}.")]
    public void InvalidConfiguration(string name, string value, string fallback)
    {
        if (IsEnabled())
        {
            WriteEvent(46, name, value, fallback);
        }
    }

    [Event(47, Level = EventLevel.Error, Message = "Spool directory '{0}' is unusable: {1}")]
    public void SpoolUnavailable(string directory, string reason)
    {
        if (IsEnabled())
        {
            WriteEvent(47, directory, reason);
        }
    }

    // Warning level on purpose: it closes an outage that was reported at Warning level, so whoever reads the
    // warnings (the ILogger or stderr forwarding) also sees that it is over.
    [Event(48, Level = EventLevel.Warning, Message = "Export to '{0}' succeeded again after {1} failed attempt(s).")]
    public void ExportRecovered(string endpoint, int failedAttempts)
    {
        if (IsEnabled())
        {
            WriteEvent(48, endpoint, failedAttempts);
        }
    }
}

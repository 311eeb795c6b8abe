using System.Diagnostics.Tracing;

namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// The SDK's self-log: warnings and errors, never thrown into the application. Listen with an
/// <see cref="EventListener"/>, <c>dotnet-trace</c> (provider <c>Tracing-Sdk</c>) or <c>dotnet-counters</c>.
/// </summary>
[EventSource(Name = "Tracing-Sdk")]
internal sealed class SdkEventSource : EventSource
{
    public static readonly SdkEventSource Log = new();

    [Event(1, Level = EventLevel.Error, Message = "Exporter '{0}' failed to export {1} span(s): {2}")]
    public void ExportFailed(string exporter, int spans, string reason)
    {
        if (IsEnabled())
        {
            WriteEvent(1, exporter, spans, reason);
        }
    }

    [Event(2, Level = EventLevel.Warning, Message = "Configuration '{0}' has an invalid value '{1}'; using {2}.")]
    public void InvalidConfiguration(string name, string value, string fallback)
    {
        if (IsEnabled())
        {
            WriteEvent(2, name, value, fallback);
        }
    }

    [Event(3, Level = EventLevel.Error, Message = "Processor '{0}' threw in {1}: {2}")]
    public void ProcessorFailed(string processor, string method, string error)
    {
        if (IsEnabled())
        {
            WriteEvent(3, processor, method, error);
        }
    }

    [Event(4, Level = EventLevel.Warning, Message = "{0}")]
    public void Warning(string message)
    {
        if (IsEnabled())
        {
            WriteEvent(4, message);
        }
    }

    [Event(5, Level = EventLevel.Error, Message = "{0}")]
    public void Error(string message)
    {
        if (IsEnabled())
        {
            WriteEvent(5, message);
        }
    }

    [Event(30, Level = EventLevel.Warning, Message = "OTEL_PROPAGATORS names an unknown propagator '{0}'; it is skipped.")]
    public void UnknownPropagator(string name)
    {
        if (IsEnabled())
        {
            WriteEvent(30, name);
        }
    }

    [Event(20, Level = EventLevel.Warning, Message = "Exporter '{0}' did not export {1} span(s) within {2} ms; its cancellation token was cancelled.")]
    public void ExportTimedOut(string exporter, int spans, int timeoutMilliseconds)
    {
        if (IsEnabled())
        {
            WriteEvent(20, exporter, spans, timeoutMilliseconds);
        }
    }

    [Event(21, Level = EventLevel.Error, Message = "Exporter '{0}' ignored cancellation; its export of {1} span(s) was abandoned and a new export thread took over.")]
    public void ExportAbandoned(string exporter, int spans)
    {
        if (IsEnabled())
        {
            WriteEvent(21, exporter, spans);
        }
    }

    [Event(50, Level = EventLevel.Error, Message = "The Activity bridge failed in {0}: {1}")]
    public void ActivityBridgeFailed(string where, string error)
    {
        if (IsEnabled())
        {
            WriteEvent(50, where, error);
        }
    }

    [Event(60, Level = EventLevel.Warning, Message = "ActivitySource '{0}' starts Activities, but no TracerProvider records it: add it with AddSource(\"{0}\") to record its spans. (Reported at most once a minute per source.)")]
    public void UnregisteredActivitySource(string source)
    {
        if (IsEnabled())
        {
            WriteEvent(60, source);
        }
    }

    [Event(61, Level = EventLevel.Informational, Message = "Span '{0}' of tracer '{1}' was not recorded because its parent was not sampled (sampler {2}); its children are not recorded either. (Reported at most once a minute per tracer.)")]
    public void SpanNotRecordedParentNotSampled(string span, string tracer, string sampler)
    {
        if (IsEnabled())
        {
            WriteEvent(61, span, tracer, sampler);
        }
    }

    [Event(62, Level = EventLevel.Warning, Message = "Remote sampler: {0}; keeping the strategy in force ({1}).")]
    public void RemoteSamplerFailed(string reason, string strategy)
    {
        if (IsEnabled())
        {
            WriteEvent(62, reason, strategy);
        }
    }

    [Event(63, Level = EventLevel.Informational, Message = "Remote sampler: new strategy {0}.")]
    public void RemoteSamplerUpdated(string strategy)
    {
        if (IsEnabled())
        {
            WriteEvent(63, strategy);
        }
    }

    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        // The unregistered-source watch listens to every ActivitySource; it runs only while someone listens here.
        UnregisteredSourceWatch.Update(IsEnabled(EventLevel.Warning, EventKeywords.All));
    }
}

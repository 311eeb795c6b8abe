using System.Diagnostics.Tracing;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>The HttpClient instrumentation's self-log (<c>Tracing-Sdk-Instrumentation-Http</c>).</summary>
[EventSource(Name = "Tracing-Sdk-Instrumentation-Http")]
internal sealed class HttpInstrumentationEventSource : EventSource
{
    public static readonly HttpInstrumentationEventSource Log = new();

    [Event(1, Level = EventLevel.Error, Message = "The HttpClient instrumentation failed handling '{0}': {1}")]
    public void Failed(string where, string error)
    {
        if (IsEnabled())
        {
            WriteEvent(1, where, error);
        }
    }
}

using System.Diagnostics.Tracing;

namespace Tracing.Sdk.Instrumentation.AspNetCore;

/// <summary>The ASP.NET Core instrumentation's self-log (<c>Tracing-Sdk-Instrumentation-AspNetCore</c>).</summary>
[EventSource(Name = "Tracing-Sdk-Instrumentation-AspNetCore")]
internal sealed class AspNetCoreInstrumentationEventSource : EventSource
{
    public static readonly AspNetCoreInstrumentationEventSource Log = new();

    [Event(1, Level = EventLevel.Error, Message = "The ASP.NET Core instrumentation failed handling '{0}': {1}")]
    public void Failed(string where, string error)
    {
        if (IsEnabled())
        {
            WriteEvent(1, where, error);
        }
    }
}

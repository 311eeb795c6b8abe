using System.Diagnostics.Tracing;

namespace Tracing.Sdk.Instrumentation;

/// <summary>
/// An instrumentation package's self-log (linked source from src/Shared): one definition, compiled into each package
/// under that package's own EventSource name and wording (<see cref="InstrumentationIdentity"/>, a per-package file),
/// so listeners keep telling the packages apart.
/// </summary>
[EventSource(Name = InstrumentationIdentity.EventSourceName)]
internal sealed class InstrumentationEventSource : EventSource
{
    public static readonly InstrumentationEventSource Log = new();

    [Event(1, Level = EventLevel.Error, Message = "The " + InstrumentationIdentity.DisplayName + " instrumentation failed handling '{0}': {1}")]
    public void Failed(string where, string error)
    {
        if (IsEnabled())
        {
            WriteEvent(1, where, error);
        }
    }
}

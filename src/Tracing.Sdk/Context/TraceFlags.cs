using System;

namespace Tracing.Sdk;

/// <summary>The W3C trace-flags byte.</summary>
[Flags]
#pragma warning disable CA1028 // The wire format is one byte.
public enum TraceFlags : byte
#pragma warning restore CA1028
{
    /// <summary>No flag set: not sampled.</summary>
    None = 0,

    /// <summary>The caller may have recorded this trace (W3C <c>sampled</c>).</summary>
    Sampled = 0x01,

    /// <summary>The right-most 7 bytes of the trace id are random (W3C Trace Context level 2).</summary>
    Random = 0x02,
}

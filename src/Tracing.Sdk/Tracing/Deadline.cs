using System;
using System.Diagnostics;
using System.Threading;

namespace Tracing.Sdk;

/// <summary>What is left of a timeout in milliseconds, where <see cref="Timeout.Infinite"/> stays infinite.</summary>
internal static class Deadline
{
    /// <summary>The milliseconds left of <paramref name="timeoutMilliseconds"/> since <paramref name="sw"/> started, never negative.</summary>
    public static int Remaining(int timeoutMilliseconds, Stopwatch sw)
    {
        if (timeoutMilliseconds == Timeout.Infinite)
        {
            return Timeout.Infinite;
        }

        return (int)Math.Max(0, timeoutMilliseconds - sw.ElapsedMilliseconds);
    }
}

using System;
using System.Diagnostics;
using System.Threading;

namespace Tracing.Sdk;

/// <summary>
/// Timeout arithmetic for flush and shutdown. Public methods take <see cref="TimeSpan"/> timeouts where
/// <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it takes and any other negative value counts as already
/// elapsed (a timeout never throws into the application); the export thread's waits work in milliseconds, where
/// <see cref="Timeout.Infinite"/> stays infinite.
/// </summary>
internal static class Deadline
{
    /// <summary>What is left of <paramref name="timeout"/> since <paramref name="sw"/> started: never negative, infinite stays infinite.</summary>
    public static TimeSpan Remaining(TimeSpan timeout, Stopwatch sw)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var left = timeout - sw.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>The milliseconds left of <paramref name="timeoutMilliseconds"/> since <paramref name="sw"/> started, never negative.</summary>
    public static int Remaining(int timeoutMilliseconds, Stopwatch sw)
    {
        if (timeoutMilliseconds == Timeout.Infinite)
        {
            return Timeout.Infinite;
        }

        return (int)Math.Max(0, timeoutMilliseconds - sw.ElapsedMilliseconds);
    }

    /// <summary><paramref name="timeout"/> in whole milliseconds, rounded up: <see cref="Timeout.Infinite"/> for infinite, 0 for other negatives.</summary>
    public static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Timeout.Infinite;
        }

        return (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 0, int.MaxValue);
    }
}

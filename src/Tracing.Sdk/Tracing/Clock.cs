using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>
/// Span timestamps: one wall-clock anchor for the process plus monotonic <see cref="Stopwatch"/> deltas, so a span's
/// duration never goes negative when the wall clock is adjusted, and each timestamp costs one monotonic read.
/// </summary>
internal static class Clock
{
    private static readonly long s_anchorTicks = Stopwatch.GetTimestamp();
    private static readonly long s_anchorUnixNano = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    // On Linux the Stopwatch frequency is 1 GHz, so the delta is already nanoseconds; elsewhere scale once.
    private static readonly bool s_isNanoseconds = Stopwatch.Frequency == 1_000_000_000;
    private static readonly double s_nanosPerTick = 1_000_000_000.0 / Stopwatch.Frequency;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long NowUnixNano()
    {
        long delta = Stopwatch.GetTimestamp() - s_anchorTicks;
        return s_anchorUnixNano + (s_isNanoseconds ? delta : (long)(delta * s_nanosPerTick));
    }

    public static long ToUnixNano(DateTimeOffset time) => (time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    public static DateTimeOffset ToDateTimeOffset(long unixNano) => new(DateTime.UnixEpoch.Ticks + (unixNano / 100), TimeSpan.Zero);
}

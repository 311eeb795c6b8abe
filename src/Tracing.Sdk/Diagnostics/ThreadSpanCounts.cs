using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Tracing.Sdk.Diagnostics;

/// <summary>
/// Spans started and ended, counted per thread with plain increments so the hot path pays no interlocked operation and
/// no <c>Counter.Add</c>; the Meter sums every thread's counts when it is collected.
/// </summary>
/// <remarks>
/// Invariant: each instance is written by its owner thread only (one writer, so <c>x++</c> never loses an update); other
/// threads only read, with volatile reads of 64-bit fields, which are atomic on every 64-bit platform .NET runs on.
/// Counts of threads that have died are folded into <see cref="s_deadStarted"/>/<see cref="s_deadEnded"/> at collection.
/// </remarks>
internal sealed class ThreadSpanCounts
{
    [ThreadStatic]
    private static ThreadSpanCounts? t_current;

    private static readonly Lock s_lock = new();
    private static readonly List<ThreadSpanCounts> s_all = [];
    private static long s_deadStarted;
    private static long s_deadEnded;

    private readonly Thread _owner;

    // Own cache lines would cost 256 bytes a thread; these fields are written by one thread and read rarely, so false
    // sharing can only come from a neighbouring object, which the allocation order (one per thread, at first use) makes rare.
    private long _started;
    private long _ended;

    private ThreadSpanCounts(Thread owner) => _owner = owner;

    public static ThreadSpanCounts Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Register();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountStarted() => Volatile.Write(ref _started, _started + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountEnded() => Volatile.Write(ref _ended, _ended + 1);

    internal long StartedForTest => Volatile.Read(ref _started);

    internal long EndedForTest => Volatile.Read(ref _ended);

    /// <summary>Totals over every thread that ever counted.</summary>
    public static (long Started, long Ended) Totals()
    {
        lock (s_lock)
        {
            long started = s_deadStarted;
            long ended = s_deadEnded;
            for (int i = s_all.Count - 1; i >= 0; i--)
            {
                var c = s_all[i];
                bool dead = !c._owner.IsAlive;

                // Read after the liveness check: a dead thread's last increments are visible once IsAlive is false.
                long s = Volatile.Read(ref c._started);
                long e = Volatile.Read(ref c._ended);
                started += s;
                ended += e;
                if (dead)
                {
                    s_deadStarted += s;
                    s_deadEnded += e;
                    s_all.RemoveAt(i);
                }
            }

            return (started, ended);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ThreadSpanCounts Register()
    {
        var counts = new ThreadSpanCounts(Thread.CurrentThread);
        lock (s_lock)
        {
            s_all.Add(counts);
        }

        t_current = counts;
        return counts;
    }
}

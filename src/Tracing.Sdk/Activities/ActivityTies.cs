using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Tracing.Sdk.Activities;

/// <summary>
/// Where <see cref="ActivitySpans"/> keeps its ties, in two tiers: a plain map for the framework's request Activities
/// while they run, and a weak table for everything else.
/// </summary>
/// <remarks>
/// <para>
/// The request Activities the framework creates and always stops itself — the hosting layer's <c>HttpRequestIn</c> and
/// HttpClient's <c>HttpRequestOut</c> — are tied in a plain concurrent map: their instrumentations detach them in the
/// Stop event. A <see cref="ConditionalWeakTable{TKey, TValue}"/> entry costs, per request, a dependent GC handle
/// (allocated natively under the table's lock, scanned by every garbage collection, freed only when a later container
/// is finalized); the web benchmark's profile showed the add, the container finalizer and the extra GC work at about
/// 1–2 % of a traced web app's CPU for two ties per request, and its GC pause per request halved without them.
/// </para>
/// <para>
/// Nothing stays in the map without bound, whatever happens to an Activity: when the map holds more than
/// <see cref="SweepAbove"/> ties, a sweep drops those whose Activity has stopped (their instrumentation was disposed
/// before the Stop event) and moves every other one to the weak table, where an Activity that is never stopped is
/// collected with its tie. A request still running at a sweep keeps its tie, only in the other tier.
/// </para>
/// <para>
/// Every other Activity (bridged ones, any Activity an application ties by hand) may never stop, so its tie goes to
/// the weak table directly. The table is not even looked at until its first tie.
/// </para>
/// </remarks>
internal static class ActivityTies
{
    private const string HttpRequestIn = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private const string HttpRequestOut = "System.Net.Http.HttpRequestOut";

    // Far more ties than requests in flight: reaching it means ties were left behind, or a very busy server.
    private const int SweepAbove = 4096;

    // ConcurrentDictionary.Count takes every lock of the map, so each thread reads it once per this many of its adds.
    private const int CheckEveryAdds = 1024;

    private static readonly ConcurrentDictionary<Activity, ActivityTie> s_running = new(IdentityComparer.Instance);
    private static readonly ConditionalWeakTable<Activity, ActivityTie> s_weak = new();
    private static volatile bool s_weakUsed;

    // Whether a sweep ever moved a request Activity's tie to the weak table: until then a request Activity's tie can
    // only be in the map, and its add, replacement and removal need not look at the weak table (whose removal locks).
    private static volatile bool s_moved;
    private static int s_sweeping;

    [ThreadStatic]
    private static int t_adds;

    public static bool TryGetValue(Activity activity, [MaybeNullWhen(false)] out ActivityTie tie)
    {
        if (s_running.TryGetValue(activity, out tie))
        {
            return true;
        }

        if (s_weakUsed && s_weak.TryGetValue(activity, out tie))
        {
            return true;
        }

        tie = null;
        return false;
    }

    /// <summary>Adds a tie unless the Activity has one, in either tier (the first tie wins).</summary>
    public static bool TryAdd(Activity activity, ActivityTie tie)
    {
        if (!IsRequestActivity(activity))
        {
            s_weakUsed = true;
            return s_weak.TryAdd(activity, tie);
        }

        if ((s_moved && s_weak.TryGetValue(activity, out _)) || !s_running.TryAdd(activity, tie))
        {
            return false;
        }

        if (++t_adds % CheckEveryAdds == 0 && s_running.Count > SweepAbove)
        {
            Sweep();
        }

        return true;
    }

    /// <summary>Replaces the tie of an Activity that has one (in the tier that holds it), or adds it.</summary>
    public static void Set(Activity activity, ActivityTie tie)
    {
        if (IsRequestActivity(activity) && !(s_moved && s_weak.TryGetValue(activity, out _)))
        {
            s_running[activity] = tie;
        }
        else
        {
            s_weakUsed = true;
            s_weak.AddOrUpdate(activity, tie);
        }
    }

    public static void Remove(Activity activity)
    {
        if (!IsRequestActivity(activity))
        {
            if (s_weakUsed)
            {
                s_weak.Remove(activity);
            }

            return;
        }

        s_running.TryRemove(activity, out _);
        if (s_moved)
        {
            s_weak.Remove(activity);
        }
    }

    private static bool IsRequestActivity(Activity activity)
    {
        // The names are the framework's constants: a reference comparison settles the common case.
        string name = activity.OperationName;
        return ReferenceEquals(name, HttpRequestIn) || ReferenceEquals(name, HttpRequestOut) || name is HttpRequestIn or HttpRequestOut;
    }

    private static void Sweep()
    {
        if (Interlocked.Exchange(ref s_sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (KeyValuePair<Activity, ActivityTie> entry in s_running)
            {
                if (entry.Key.IsStopped)
                {
                    // Its instrumentation would have detached it in the Stop event: nobody needs it.
                    s_running.TryRemove(entry);
                    continue;
                }

                // Still running: the weak table holds it from now on. Added there before it leaves the map, so a
                // lookup in between finds it in one tier or the other; if the map's entry changed meanwhile (detached,
                // or replaced by a completed sampling decision), the map's state wins and the copy goes.
                s_weakUsed = true;
                s_moved = true;
                s_weak.AddOrUpdate(entry.Key, entry.Value);
                if (!s_running.TryRemove(entry))
                {
                    s_weak.Remove(entry.Key);
                }
            }
        }
        finally
        {
            Volatile.Write(ref s_sweeping, 0);
        }
    }

    // By reference, as the weak table compares; sealed, so the map's calls need no variance-aware dispatch.
    private sealed class IdentityComparer : IEqualityComparer<Activity>
    {
        public static readonly IdentityComparer Instance = new();

        public bool Equals(Activity? x, Activity? y) => ReferenceEquals(x, y);

        public int GetHashCode(Activity obj) => RuntimeHelpers.GetHashCode(obj);
    }
}

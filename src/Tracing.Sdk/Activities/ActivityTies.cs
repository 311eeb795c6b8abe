using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Tracing.Sdk.Activities;

/// <summary>
/// Where <see cref="ActivitySpans"/> keeps its ties, in two tiers chosen by the Activity's operation name (fixed when
/// the Activity is created, so an Activity always lives in the same tier).
/// </summary>
/// <remarks>
/// <para>
/// The request Activities the framework creates and always stops itself — the hosting layer's <c>HttpRequestIn</c> and
/// HttpClient's <c>HttpRequestOut</c> — are tied in a plain concurrent map: their instrumentations detach them in the
/// Stop event. A <see cref="ConditionalWeakTable{TKey, TValue}"/> entry costs, per request, a dependent GC handle
/// (allocated natively under the table's lock, scanned by every garbage collection, freed only when a later container
/// is finalized); the web benchmark's profile showed the add, the finalizer and the extra GC work as about 1–2 % of a
/// traced web app's CPU for two ties per request, which the map does not pay. An entry left behind (a subscription
/// disposed between an Activity's start and stop) is swept once its Activity has stopped, so the map cannot grow
/// without bound.
/// </para>
/// <para>
/// Every other Activity (bridged ones, any Activity an application ties by hand) may never stop, so its tie stays in
/// the weak table, where an Activity that is dropped is collected with its tie; the table is not even looked at until
/// its first tie.
/// </para>
/// </remarks>
internal static class ActivityTies
{
    private const string HttpRequestIn = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private const string HttpRequestOut = "System.Net.Http.HttpRequestOut";

    // Entries beyond this many (far more than requests in flight) are checked for Activities that stopped undetached.
    private const int SweepAbove = 4096;
    private const int CheckEveryAdds = 4096;

    private static readonly ConcurrentDictionary<Activity, ActivityTie> s_stopping = new(IdentityComparer.Instance);
    private static readonly ConditionalWeakTable<Activity, ActivityTie> s_weak = new();
    private static volatile bool s_weakUsed;
    private static int s_sweeping;

    [ThreadStatic]
    private static int t_adds;

    public static bool TryGetValue(Activity activity, [MaybeNullWhen(false)] out ActivityTie tie)
    {
        if (s_stopping.TryGetValue(activity, out tie))
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

    /// <summary>Adds a tie unless the Activity has one (the first tie wins).</summary>
    public static bool TryAdd(Activity activity, ActivityTie tie)
    {
        if (!StopsForSure(activity))
        {
            s_weakUsed = true;
            return s_weak.TryAdd(activity, tie);
        }

        if (!s_stopping.TryAdd(activity, tie))
        {
            return false;
        }

        // Count takes every lock of the map, so it is read only now and then.
        if (++t_adds % CheckEveryAdds == 0 && s_stopping.Count > SweepAbove)
        {
            Sweep();
        }

        return true;
    }

    /// <summary>Replaces the tie of an Activity that has one, or adds it.</summary>
    public static void Set(Activity activity, ActivityTie tie)
    {
        if (StopsForSure(activity))
        {
            s_stopping[activity] = tie;
        }
        else
        {
            s_weakUsed = true;
            s_weak.AddOrUpdate(activity, tie);
        }
    }

    public static void Remove(Activity activity)
    {
        if (StopsForSure(activity))
        {
            s_stopping.TryRemove(activity, out _);
        }
        else if (s_weakUsed)
        {
            s_weak.Remove(activity);
        }
    }

    private static bool StopsForSure(Activity activity)
    {
        // The names are the framework's constants: a reference comparison settles the common case.
        string name = activity.OperationName;
        return ReferenceEquals(name, HttpRequestIn) || ReferenceEquals(name, HttpRequestOut) || name is HttpRequestIn or HttpRequestOut;
    }

    // Ties whose Activity stopped without being detached (its instrumentation was disposed while it ran): nobody can
    // need them, the instrumentation would have detached them in the Stop event.
    private static void Sweep()
    {
        if (Interlocked.Exchange(ref s_sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (KeyValuePair<Activity, ActivityTie> entry in s_stopping)
            {
                if (entry.Key.IsStopped)
                {
                    s_stopping.TryRemove(entry);
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

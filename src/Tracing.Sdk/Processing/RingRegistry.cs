using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Tracing.Sdk.Processing;

/// <summary>
/// The batch processor's queue: one <see cref="SpanRing"/> per producing thread, registered on the thread's first span
/// and drained by the exporter thread; rings of threads that have died are drained and then unregistered.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item>The ring array is copy-on-write: it is replaced under the lock (a producer registering, once per thread; the
/// exporter thread unregistering dead rings), never mutated, so the exporter thread reads it without a lock.</item>
/// <item>A ring leaves the array only when its owner is dead and it is empty; its totals then move into the retired
/// counters and its unspent credits back to the budget, both under the lock, so <see cref="Totals"/> stays exact.</item>
/// <item>A thread finds its ring through its <see cref="ProducerThread.LastRing"/> (checked against the registry) and a
/// thread-static list that holds rings of live registries only, pruned whenever the thread registers a new ring, so a
/// long-lived thread keeps at most its last closed processor alive.</item>
/// </list>
/// </remarks>
internal sealed class RingRegistry
{
    [ThreadStatic]
    private static SpanRing[]? t_rings;

    private readonly int _ringCapacity;
    private readonly Lock _lock = new();
    private volatile SpanRing[] _rings = [];
    private volatile bool _closed;

    // Totals of unregistered rings (written under _lock).
    private long _retiredEnqueued;
    private long _retiredDroppedQueueFull;
    private long _retiredDroppedShutdown;

    public RingRegistry(int maxQueueSize)
    {
        // A ring as large as the whole budget can never fill while its owner holds a credit.
        _ringCapacity = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)maxQueueSize));
    }

    /// <summary>Rings currently registered.</summary>
    public int Count => _rings.Length;

    /// <summary>Producer: the calling thread's ring, registered on first use.</summary>
    /// <param name="thread">The calling thread's state (its <see cref="ProducerThread.LastRing"/> is the fast path).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SpanRing ForThread(ProducerThread thread)
    {
        return thread.LastRing is SpanRing ring && ReferenceEquals(ring.Registry, this) ? ring : FindOrRegister(thread);
    }

    /// <summary>Shutdown: no new span can reach a ring any more; threads may forget this registry's rings.</summary>
    public void Close() => _closed = true;

    /// <summary>The registered rings, read under the lock (for a thread other than the exporter thread).</summary>
    public SpanRing[] Snapshot()
    {
        lock (_lock)
        {
            return _rings;
        }
    }

    /// <summary>Spans published and not yet drained: exact for the exporter thread, a lower bound while producers write.</summary>
    public long QueuedCount()
    {
        long n = 0;
        foreach (var r in _rings)
        {
            n += r.Count;
        }

        return n;
    }

    /// <summary>
    /// Exporter thread: fills <paramref name="batch"/> round-robin over the rings, starting at <paramref name="start"/>
    /// and advancing it by one, so no thread's ring is always drained last.
    /// </summary>
    /// <returns>How many spans were taken.</returns>
    public int Fill(SpanData[] batch, ref int start)
    {
        var rings = _rings;
        int n = 0;
        for (int i = 0; i < rings.Length && n < batch.Length; i++)
        {
            n += rings[(start + i) % rings.Length].Drain(batch, n);
        }

        start = rings.Length == 0 ? 0 : (start + 1) % rings.Length;
        return n;
    }

    /// <summary>Exporter thread: the registered rings (the array is never mutated, see the invariants).</summary>
    public SpanRing[] Current => _rings;

    /// <summary>
    /// Exporter thread: fills <paramref name="batch"/> from <paramref name="rings"/> in order, from each only the spans
    /// below its mark (<see cref="SpanRing.Enqueued"/> when the marks were read), continuing at ring
    /// <paramref name="next"/>; a flush drains exactly what was published before it, however fast producers add more.
    /// </summary>
    /// <returns>How many spans were taken; 0 once every ring is drained up to its mark.</returns>
    public static int FillUpTo(SpanData[] batch, SpanRing[] rings, long[] marks, ref int next)
    {
        int n = 0;
        while (next < rings.Length && n < batch.Length)
        {
            int taken = rings[next].Drain(batch, n, marks[next]);
            n += taken;
            if (n < batch.Length)
            {
                // The batch has room, so this ring is drained up to its mark.
                next++;
            }
        }

        return n;
    }

    /// <summary>Exporter thread: unregisters rings whose thread has died, once drained, returning their credits to <paramref name="budget"/>.</summary>
    public void ReleaseDead(CreditBudget budget)
    {
        bool any = false;
        foreach (var r in _rings)
        {
            any |= !r.Owner.IsAlive && r.Count == 0;
        }

        if (!any)
        {
            return;
        }

        lock (_lock)
        {
            var kept = new List<SpanRing>(_rings.Length);
            foreach (var r in _rings)
            {
                // A dead owner writes nothing more; its final writes are visible once IsAlive reads false.
                if (!r.Owner.IsAlive && r.Count == 0)
                {
                    _retiredEnqueued += r.Enqueued;
                    _retiredDroppedQueueFull += r.DroppedQueueFull;
                    _retiredDroppedShutdown += r.DroppedShutdown;
                    budget.Return(r.Credit);
                }
                else
                {
                    kept.Add(r);
                }
            }

            _rings = [.. kept];
        }
    }

    /// <summary>Spans accepted and dropped at the door, over every ring ever registered (exact; each counter is read once).</summary>
    public (long Enqueued, long DroppedQueueFull, long DroppedShutdown) Totals()
    {
        long enqueued, full, shutdown;
        SpanRing[] rings;
        lock (_lock)
        {
            rings = _rings;
            enqueued = _retiredEnqueued;
            full = _retiredDroppedQueueFull;
            shutdown = _retiredDroppedShutdown;
        }

        foreach (var r in rings)
        {
            enqueued += r.Enqueued;
            full += r.DroppedQueueFull;
            shutdown += r.DroppedShutdown;
        }

        return (enqueued, full, shutdown);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SpanRing FindOrRegister(ProducerThread thread)
    {
        var rings = t_rings;
        if (rings is not null)
        {
            foreach (var r in rings)
            {
                if (ReferenceEquals(r.Registry, this))
                {
                    thread.LastRing = r;
                    return r;
                }
            }
        }

        var ring = new SpanRing(this, Thread.CurrentThread, _ringCapacity);
        lock (_lock)
        {
            _rings = [.. _rings, ring];
        }

        // Forget rings of registries that have closed, so a long-lived thread does not keep them alive.
        int live = 0;
        var kept = new SpanRing[(rings?.Length ?? 0) + 1];
        if (rings is not null)
        {
            foreach (var r in rings)
            {
                if (!r.Registry._closed)
                {
                    kept[live++] = r;
                }
            }
        }

        kept[live++] = ring;
        t_rings = live == kept.Length ? kept : kept[..live];
        thread.LastRing = ring;
        return ring;
    }
}

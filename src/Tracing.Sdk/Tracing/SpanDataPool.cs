using System;
using System.Threading;

namespace Tracing.Sdk;

/// <summary>
/// A per-thread pool of span records. The owning thread rents from a private free list with no synchronisation; any
/// thread (in practice the exporter's) returns records to the owner's <c>_returned</c> stack with one CAS, and the
/// owner takes that whole stack with one exchange when its free list runs dry. Records thus stay with the thread that
/// made them, and producers never contend with each other.
/// </summary>
internal sealed class SpanDataPool
{
    [ThreadStatic]
    private static SpanDataPool? t_pool;

    private readonly Thread _owner;

    // Owner thread only.
    private SpanData? _free;

    // Pushed by any thread (Treiber push); only ever emptied whole by the owner's Interlocked.Exchange, so the ABA
    // problem of single pops cannot arise.
    private SpanData? _returned;

    private SpanDataPool(Thread owner) => _owner = owner;

    public static SpanData Rent()
    {
        var pool = t_pool ??= new SpanDataPool(Thread.CurrentThread);
        var data = pool._free ?? Interlocked.Exchange(ref pool._returned, null);
        if (data is null)
        {
            return new SpanData(pool);
        }

        pool._free = data._nextFree;
        data._nextFree = null;
        return data;
    }

    public void Return(SpanData data)
    {
        // A record whose thread has gone is left to the GC: nobody would ever rent it again.
        if (!_owner.IsAlive)
        {
            return;
        }

        SpanData? head;
        do
        {
            head = Volatile.Read(ref _returned);
            data._nextFree = head;
        }
        while (Interlocked.CompareExchange(ref _returned, data, head) != head);
    }
}

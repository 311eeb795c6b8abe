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
    private readonly Thread _owner;

    // Owner thread only.
    private SpanData? _free;

    // Pushed by any thread (Treiber push); only ever emptied whole by the owner's Interlocked.Exchange, so the ABA
    // problem of single pops cannot arise.
    private SpanData? _returned;

    /// <summary>Creates the pool of <paramref name="owner"/>; only <see cref="ProducerThread"/> does, once per thread.</summary>
    internal SpanDataPool(Thread owner) => _owner = owner;

    /// <summary>Owner thread only: a record, reused when one is free.</summary>
    public SpanData Rent()
    {
        var data = _free ?? Interlocked.Exchange(ref _returned, null);
        if (data is null)
        {
            return new SpanData(this);
        }

        _free = data._nextFree;
        data._nextFree = null;
        data.ResetForReuse();
        return data;
    }

    public void Return(SpanData data)
    {
        // The owner returning its own record (a span dropped or exported on the thread that made it): straight onto the
        // private free list, no interlocked operation. The current thread's pool is this one only on the owner thread.
        if (ReferenceEquals(ProducerThread.CurrentOrNull?.Pool, this))
        {
            data._nextFree = _free;
            _free = data;
            return;
        }

        Return(data, data);
    }

    /// <summary>
    /// Returns a chain of records linked through <c>_nextFree</c> from <paramref name="first"/> to <paramref name="last"/>,
    /// all of this pool, with one CAS: the exporter thread returns a batch this way, so the owner's <c>_returned</c>
    /// line moves between cores once per batch rather than once per span.
    /// </summary>
    public void Return(SpanData first, SpanData last)
    {
        // Records whose thread has gone are left to the GC: nobody would ever rent them again.
        if (!_owner.IsAlive)
        {
            return;
        }

        SpanData? head;
        do
        {
            head = Volatile.Read(ref _returned);
            last._nextFree = head;
        }
        while (Interlocked.CompareExchange(ref _returned, first, head) != head);
    }
}

using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Tracing.Sdk.Processing;

/// <summary>
/// The batch processor's global bound on queued spans: a shared budget of <c>MaxQueueSize</c> credits. A producer takes
/// credits in chunks (one interlocked operation per chunk) into its ring and spends one per span it publishes; the
/// exporter thread gives one back per span it takes out of a ring (one interlocked operation per batch).
/// </summary>
/// <remarks>
/// Invariant: at every moment <c>budget + Σ unspent credits of the rings + Σ queued spans = capacity</c>, so the queued
/// spans never exceed the capacity. The price is honesty about idle threads: a thread that stops producing keeps at most
/// <c>chunk - 1</c> unspent credits (the chunk is <c>capacity / (16 × cores)</c>, clamped to 1..32), which can only lower
/// the usable capacity, never raise it; the ring registry returns them when the thread dies, and when they leave less than a
/// batch of room the exporter thread exports what is queued rather than wait for a batch (see <see cref="ExportWorker"/>).
/// </remarks>
internal sealed class CreditBudget
{
    private readonly int _chunk;
    private Line _line;

    public CreditBudget(int capacity)
    {
        Capacity = capacity;
        _chunk = Math.Clamp(capacity / (16 * Environment.ProcessorCount), 1, 32);
        _line.Budget = capacity;
    }

    /// <summary>The number of credits in existence (the queue's bound).</summary>
    public int Capacity { get; }

    /// <summary>The most credits one take moves into a ring.</summary>
    public int Chunk => _chunk;

    /// <summary>Credits outside the budget now: queued spans plus the rings' unspent credits (an upper bound on the queue).</summary>
    public long Outstanding => Capacity - Volatile.Read(ref _line.Budget);

    /// <summary>
    /// Producer: moves up to one chunk of credits from the budget to <paramref name="ring"/>. The compare-exchange that
    /// wins is a full fence, which the exporter thread's sleep handshake relies on (see <see cref="ExportWorker"/>).
    /// </summary>
    /// <param name="ring">The calling thread's ring.</param>
    /// <param name="outstanding">
    /// On success, the credits outside the budget after this take: an upper bound on the queued spans (it includes
    /// unspent credits), so a wake-up decided on it may be early, never missing.
    /// </param>
    /// <returns>False when the budget is empty: the queue is full.</returns>
    public bool TryTake(SpanRing ring, out long outstanding)
    {
        long budget = Volatile.Read(ref _line.Budget);
        while (budget > 0)
        {
            int take = (int)Math.Min(_chunk, budget);
            long seen = Interlocked.CompareExchange(ref _line.Budget, budget - take, budget);
            if (seen == budget)
            {
                ring.AddCredit(take);
                outstanding = Capacity - (budget - take);
                return true;
            }

            budget = seen;
        }

        outstanding = Capacity;
        return false;
    }

    /// <summary>Consumer: gives back the credits of <paramref name="count"/> spans taken out of rings, or of a dead ring.</summary>
    public void Return(long count) => Interlocked.Add(ref _line.Budget, count);

    /// <summary>The budget alone on its cache line (with the adjacent line), so producers taking credits share it with nothing.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 3 * SpanRing.Padding)]
    private struct Line
    {
        [FieldOffset(SpanRing.Padding)]
        public long Budget;
    }
}

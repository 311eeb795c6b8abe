using System;
using System.Runtime.CompilerServices;
using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk;

/// <summary>
/// What the span path keeps per thread — the span counts, the record pool and the batch processor's ring cache — behind
/// one thread-static reference, so a sampled span pays one thread-local lookup when it starts and one when it ends.
/// </summary>
/// <remarks>
/// Why: on Linux a thread-static of a library assembly is reached through a helper call (and <c>__tls_get_addr</c>),
/// a few nanoseconds each; with a thread-static per part (counts at start and at end, pool, ring) a sampled span made
/// five such calls besides its id generator's. Invariant: every field is written by the owner thread only; the objects
/// it points to state their own rules for other threads (<see cref="ThreadSpanCounts"/>, <see cref="SpanDataPool"/>).
/// </remarks>
internal sealed class ProducerThread
{
    [ThreadStatic]
    private static ProducerThread? t_current;

    private ProducerThread()
    {
        Counts = ThreadSpanCounts.Current;
        Pool = new SpanDataPool(System.Threading.Thread.CurrentThread);
    }

    /// <summary>This thread's state, created on its first span.</summary>
    public static ProducerThread Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    /// <summary>This thread's state if it has one (a thread that never started or ended a recording span has none).</summary>
    public static ProducerThread? CurrentOrNull => t_current;

    /// <summary>The thread's span counts (the SDK's started/ended meters).</summary>
    public ThreadSpanCounts Counts { get; }

    /// <summary>The thread's pool of span records.</summary>
    public SpanDataPool Pool { get; }

    /// <summary>
    /// The batch processor's ring this thread last enqueued into: its <c>RingRegistry</c>'s cache, valid while the ring's
    /// registry is the one asking. Typed <see cref="object"/> because the core folders keep Tracing free of Processing;
    /// the registry's type test of a sealed class is one compare.
    /// </summary>
    public object? LastRing { get; set; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ProducerThread Create() => t_current = new ProducerThread();
}

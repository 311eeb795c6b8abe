using System;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>xorshift128+ per thread, seeded from <see cref="Random.Shared"/>: about a nanosecond an id, no lock, no allocation.</summary>
internal sealed class RandomIdGenerator : IdGenerator
{
    // Both state words in one thread-static struct, reached through one ref: one thread-local lookup per id instead of
    // one per word read or written.
    [ThreadStatic]
    private static State t_state;

    public override bool TraceIdsAreRandom => true;

    public override TraceId NewTraceId() => NextTraceId();

    public override SpanId NewSpanId() => NextSpanId();

    /// <summary>A new random trace id; static so the tracer can call it without a virtual call when this generator is in use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TraceId NextTraceId()
    {
        ref State state = ref t_state;
        ulong high = Next(ref state);
        ulong low = Next(ref state);
        while (low == 0 && high == 0)
        {
            low = Next(ref state);
        }

        return new TraceId(high, low);
    }

    /// <summary>A new trace id and span id with one thread-local lookup (a root span needs both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void NextIds(out TraceId traceId, out SpanId spanId)
    {
        ref State state = ref t_state;
        ulong high = Next(ref state);
        ulong low = Next(ref state);
        while (low == 0 && high == 0)
        {
            low = Next(ref state);
        }

        ulong span = Next(ref state);
        while (span == 0)
        {
            span = Next(ref state);
        }

        traceId = new TraceId(high, low);
        spanId = new SpanId(span);
    }

    /// <summary>A new random span id, never zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static SpanId NextSpanId()
    {
        ref State state = ref t_state;
        ulong v = Next(ref state);
        while (v == 0)
        {
            v = Next(ref state);
        }

        return new SpanId(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next(ref State state)
    {
        if ((state.S0 | state.S1) == 0)
        {
            Seed(ref state);
        }

        // Locals are not passed by reference anywhere, so they stay in registers.
        ulong s1 = state.S0;
        ulong s0 = state.S1;

        state.S0 = s0;
        s1 ^= s1 << 23;
        s1 = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
        state.S1 = s1;
        return s1 + s0;
    }

    private struct State
    {
        public ulong S0;
        public ulong S1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Seed(ref State state)
    {
        ulong s0, s1;
        do
        {
            s0 = (ulong)System.Random.Shared.NextInt64() ^ ((ulong)System.Random.Shared.NextInt64() << 1);
            s1 = (ulong)System.Random.Shared.NextInt64() ^ ((ulong)System.Random.Shared.NextInt64() << 1);
        }
        while ((s0 | s1) == 0);

        state.S0 = s0;
        state.S1 = s1;
    }
}

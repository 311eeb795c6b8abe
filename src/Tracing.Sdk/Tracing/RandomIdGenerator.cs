using System;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>xorshift128+ per thread, seeded from <see cref="Random.Shared"/>: about a nanosecond an id, no lock, no allocation.</summary>
internal sealed class RandomIdGenerator : IdGenerator
{
    [ThreadStatic]
    private static ulong t_s0;

    [ThreadStatic]
    private static ulong t_s1;

    public override bool TraceIdsAreRandom => true;

    public override TraceId NewTraceId()
    {
        ulong high = Next();
        ulong low = Next();
        while (low == 0 && high == 0)
        {
            low = Next();
        }

        return new TraceId(high, low);
    }

    public override SpanId NewSpanId()
    {
        ulong v = Next();
        while (v == 0)
        {
            v = Next();
        }

        return new SpanId(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next()
    {
        ulong s1 = t_s0;
        ulong s0 = t_s1;
        if ((s0 | s1) == 0)
        {
            Seed(out s1, out s0);
        }

        t_s0 = s0;
        s1 ^= s1 << 23;
        t_s1 = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
        return t_s1 + s0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Seed(out ulong s0, out ulong s1)
    {
        do
        {
            s0 = (ulong)System.Random.Shared.NextInt64() ^ ((ulong)System.Random.Shared.NextInt64() << 1);
            s1 = (ulong)System.Random.Shared.NextInt64() ^ ((ulong)System.Random.Shared.NextInt64() << 1);
        }
        while ((s0 | s1) == 0);
    }
}

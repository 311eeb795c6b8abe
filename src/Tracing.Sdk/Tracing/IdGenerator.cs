namespace Tracing.Sdk;

/// <summary>Makes trace and span ids. Replace it to control ids (for example, X-Ray style time-prefixed ids).</summary>
public abstract class IdGenerator
{
    /// <summary>The default generator: random, non-zero ids from a per-thread generator, with no allocation or lock.</summary>
    public static IdGenerator Random { get; } = new RandomIdGenerator();

    /// <summary>A new valid (non-zero) trace id.</summary>
    public abstract TraceId NewTraceId();

    /// <summary>A new valid (non-zero) span id.</summary>
    public abstract SpanId NewSpanId();

    /// <summary>
    /// Whether the right-most 7 bytes of every trace id are random; then root spans carry the W3C level-2
    /// <see cref="TraceFlags.Random"/> flag.
    /// </summary>
    public virtual bool TraceIdsAreRandom => false;
}

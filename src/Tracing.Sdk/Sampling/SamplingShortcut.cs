namespace Tracing.Sdk.Sampling;

/// <summary>
/// The decision of the common samplers as bits, so the tracer decides without a virtual call or a
/// <see cref="SamplingParameters"/>: <see cref="Sampler.AlwaysOn"/>, <see cref="Sampler.AlwaysOff"/>, and a
/// <see cref="ParentBasedSampler"/> over them whose four parent cases are the defaults (follow the parent's sampled
/// flag). None of these adds a trace state or attributes, and none defers, so the bit says everything they would.
/// </summary>
/// <remarks>
/// A rule is <see cref="Valid"/> plus one bit per case: bit 0 for a root span, bit <see cref="SampledParentShift"/> under
/// a sampled parent, bit <see cref="UnsampledParentShift"/> under an unsampled one; set means record and sample.
/// <see cref="None"/> means ask the sampler (any other sampler, or a custom id generator).
/// </remarks>
internal static class SamplingShortcut
{
    public const int None = 0;
    public const int Valid = 8;
    public const int SampledParentShift = 1;
    public const int UnsampledParentShift = 2;

    /// <summary>The rule for <paramref name="sampler"/>, or <see cref="None"/>.</summary>
    /// <param name="sampler">The provider's sampler.</param>
    /// <param name="defaultIds">Whether the built-in random id generator is in use (the shortcut generates ids itself).</param>
    public static int For(Sampler sampler, bool defaultIds)
    {
        if (!defaultIds)
        {
            return None;
        }

        return sampler switch
        {
            AlwaysOnSampler => Valid | 0b111,
            AlwaysOffSampler => Valid,
            ParentBasedSampler
            {
                Root: AlwaysOnSampler or AlwaysOffSampler,
                RemoteParentSampled: AlwaysOnSampler,
                LocalParentSampled: AlwaysOnSampler,
                RemoteParentNotSampled: AlwaysOffSampler,
                LocalParentNotSampled: AlwaysOffSampler,
            } pb => Valid | (1 << SampledParentShift) | (pb.Root is AlwaysOnSampler ? 1 : 0),
            _ => None,
        };
    }
}

namespace Tracing.Sdk.Sampling;

/// <summary>A sampler's decision.</summary>
public enum SamplingDecision
{
    /// <summary>Not recorded; the span still carries its context.</summary>
    Drop = 0,

    /// <summary>Recorded, but not sampled: processors see it, exporters do not.</summary>
    RecordOnly = 1,

    /// <summary>Recorded and sampled: exported.</summary>
    RecordAndSample = 2,
}

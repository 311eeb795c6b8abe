using System;
using System.Globalization;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// The specification's TraceIdRatioBased sampler in its consistent-probability form: the right-most 56 bits of the
/// trace id (the randomness W3C level 2 guarantees) are compared with a rejection threshold
/// <c>(1 - ratio) * 2^56</c>; the span is sampled when the randomness is at or above it. Every service with the same
/// ratio makes the same decision for a trace, and a service with a higher ratio samples a superset.
/// </summary>
internal sealed class TraceIdRatioBasedSampler : Sampler
{
    private const ulong RandomnessMask = (1UL << 56) - 1;
    private readonly ulong _threshold;
    private readonly string _description;

    public TraceIdRatioBasedSampler(double ratio)
    {
        if (double.IsNaN(ratio) || ratio < 0 || ratio > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The ratio must be between 0 and 1.");
        }

        // 2^56 fits a double exactly; a ratio of 1 gives threshold 0 (sample all), 0 gives 2^56 (sample none).
        _threshold = (ulong)((1.0 - ratio) * (1UL << 56));
        _description = "TraceIdRatioBased{" + ratio.ToString("R", CultureInfo.InvariantCulture) + "}";
        Ratio = ratio;
    }

    public double Ratio { get; }

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
        => (parameters.TraceId.Low & RandomnessMask) >= _threshold ? new(SamplingDecision.RecordAndSample) : default;

    public override string Description => _description;
}

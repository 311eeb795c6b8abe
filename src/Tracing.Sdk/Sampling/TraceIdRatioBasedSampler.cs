using System;
using System.Globalization;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// The specification's TraceIdRatioBased sampler in its consistent-probability form. The randomness R is the
/// <c>rv</c> value of the parent's <c>ot</c> trace-state entry when it has a valid one, else the right-most 56 bits of
/// the trace id (the bits W3C level 2 makes random); the span is sampled when R is at or above the rejection
/// threshold <c>T = (1 - ratio) * 2^56</c>. A sampled span carries <c>ot=th:T</c>, so that downstream services and
/// collectors know the probability it was sampled with.
/// </summary>
/// <remarks>
/// Under a sampled parent whose <c>ot</c> entry holds a valid threshold, the effective threshold is the larger of the
/// two: a service can lower the probability decided upstream, never raise it. Every service using the same ratio
/// makes the same decision for a trace, and a service with a higher ratio samples a superset.
/// Allocation: a root span's trace state (<c>ot=th:…</c>) is built once per sampler; a child that keeps the upstream
/// threshold keeps the parent's trace state; only a child that lowers the threshold or drops a span that carried one
/// builds a new trace state (cached for the last parent state seen, so local children of one parent share it).
/// </remarks>
internal sealed class TraceIdRatioBasedSampler : Sampler
{
    private readonly ulong _threshold;
    private readonly string _description;
    private readonly TraceState? _rootState;
    private RewriteCache? _lastRewrite;

    public TraceIdRatioBasedSampler(double ratio)
    {
        if (double.IsNaN(ratio) || ratio < 0 || ratio > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The ratio must be between 0 and 1.");
        }

        _threshold = ConsistentProbability.ThresholdFor(ratio);
        _description = "TraceIdRatioBased{" + ratio.ToString("R", CultureInfo.InvariantCulture) + "}";
        _rootState = _threshold < ConsistentProbability.NeverSample
            ? TraceState.Empty.With(ConsistentProbability.Key, "th:" + ConsistentProbability.Encode(_threshold))
            : null;
        Ratio = ratio;
    }

    public double Ratio { get; }

    internal ulong Threshold => _threshold;

    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        var parent = parameters.ParentContext;
        var state = parent.IsValid ? parent.TraceState : null;
        if (state is null)
        {
            return (parameters.TraceId.Low & ConsistentProbability.RandomnessMask) >= _threshold
                ? new(SamplingDecision.RecordAndSample, _rootState)
                : default;
        }

        ConsistentProbability.Read(ConsistentProbability.OtValue(state), out bool hasTh, out ulong upstream, out bool hasRv, out ulong rv);
        ulong randomness = hasRv ? rv : parameters.TraceId.Low & ConsistentProbability.RandomnessMask;
        ulong threshold = _threshold;
        bool inherit = hasTh && parent.IsSampled && upstream >= threshold;
        if (inherit)
        {
            threshold = upstream;
        }

        if (randomness < threshold || threshold >= ConsistentProbability.NeverSample)
        {
            // th belongs on sampled spans only.
            return hasTh ? new(SamplingDecision.Drop, Rewritten(state, ConsistentProbability.NeverSample)) : default;
        }

        return inherit
            ? new(SamplingDecision.RecordAndSample)
            : new(SamplingDecision.RecordAndSample, Rewritten(state, threshold));
    }

    private TraceState? Rewritten(TraceState state, ulong threshold)
    {
        var last = _lastRewrite;
        if (last is not null && ReferenceEquals(last.Parent, state) && last.Threshold == threshold)
        {
            return last.Result;
        }

        var result = ConsistentProbability.Rewrite(state, threshold >= ConsistentProbability.NeverSample ? null : ConsistentProbability.Encode(threshold));
        _lastRewrite = new RewriteCache(state, threshold, result);
        return result;
    }

    public override string Description => _description;

    private sealed record RewriteCache(TraceState Parent, ulong Threshold, TraceState? Result);
}

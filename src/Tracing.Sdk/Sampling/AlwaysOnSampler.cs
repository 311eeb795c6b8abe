namespace Tracing.Sdk.Sampling;

internal sealed class AlwaysOnSampler : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters parameters) => new(SamplingDecision.RecordAndSample);

    public override string Description => "AlwaysOnSampler";
}

namespace Tracing.Sdk.Sampling;

internal sealed class AlwaysOffSampler : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters parameters) => default;

    public override string Description => "AlwaysOffSampler";
}

using System.Text;
using Tracing.Sdk.Sampling;
using Xunit;

namespace Tracing.Sdk.Tests.Sampling;

/// <summary>The strategy JSON the Jaeger agent, the Jaeger collector and the Collector's remote-sampling extension serve.</summary>
public class JaegerStrategyTests
{
    private static JaegerStrategy Parse(string json)
    {
        Assert.True(JaegerStrategy.TryParse(Encoding.UTF8.GetBytes(json), 2000, out var strategy, out string? error), error);
        return strategy!;
    }

    [Theory]
    [InlineData("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25}}""")]
    [InlineData("""{"strategyType":0,"probabilisticSampling":{"samplingRate":0.25}}""")]
    [InlineData("""{"strategy_type":"PROBABILISTIC","probabilistic_sampling":{"sampling_rate":0.25}}""")]
    [InlineData("""{"probabilisticSampling":{"samplingRate":0.25}}""")]
    public void Probabilistic_InStringNumericAndSnakeCaseForms(string json)
        => Assert.Equal("probabilistic{0.25}", Parse(json).Text);

    [Theory]
    [InlineData("""{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":7}}""")]
    [InlineData("""{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":7}}""")]
    public void RateLimiting_InStringAndNumericForms(string json)
        => Assert.Equal("rateLimiting{7}", Parse(json).Text);

    [Fact]
    public void PerOperation_MatchesSpanNames_WithTheDefaultForOthers()
    {
        var strategy = Parse("""
            {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},
             "operationSampling":{"defaultSamplingProbability":0,"defaultLowerBoundTracesPerSecond":0,
               "perOperationStrategies":[{"operation":"GET /orders/{id}","probabilisticSampling":{"samplingRate":1}}]}}
            """);
        Assert.Equal("perOperation{default:0,lowerBound:0,GET /orders/{id}:1}", strategy.Text);
        var id = IdGenerator.Random.NewTraceId();
        Assert.Equal(SamplingDecision.RecordAndSample, strategy.ShouldSample(new SamplingParameters(default, id, "GET /orders/{id}", SpanKind.Server)).Decision);
        Assert.Equal(SamplingDecision.Drop, strategy.ShouldSample(new SamplingParameters(default, id, "GET /other", SpanKind.Server)).Decision);
    }

    [Fact]
    public void PerOperation_LowerBound_SamplesAtLeastOneTraceForAnOperationAtProbabilityZero()
    {
        var strategy = Parse("""{"operationSampling":{"defaultSamplingProbability":0,"defaultLowerBoundTracesPerSecond":1,"perOperationStrategies":[]}}""");
        var id = IdGenerator.Random.NewTraceId();
        Assert.Equal(SamplingDecision.RecordAndSample, strategy.ShouldSample(new SamplingParameters(default, id, "rare", SpanKind.Server)).Decision);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"PROBABILISTIC\"")]
    [InlineData("{")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("""{"strategyType":"SOMETIMES"}""")]
    [InlineData("""{"strategyType":7,"probabilisticSampling":{"samplingRate":0.5}}""")]
    [InlineData("""{"strategyType":"PROBABILISTIC"}""")]
    [InlineData("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1.5}}""")]
    [InlineData("""{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":"0.5"}}""")]
    [InlineData("""{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":-3}}""")]
    [InlineData("""{"strategyType":"RATE_LIMITING"}""")]
    [InlineData("""{"operationSampling":{"defaultLowerBoundTracesPerSecond":1}}""")]
    [InlineData("""{"operationSampling":{"defaultSamplingProbability":0.1,"perOperationStrategies":[{"operation":5}]}}""")]
    [InlineData("""{"operationSampling":{"defaultSamplingProbability":0.1,"defaultLowerBoundTracesPerSecond":-1}}""")]
    [InlineData("""[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]""")]
    public void Garbage_IsRejectedWithAReason_NeverThrown(string json)
    {
        Assert.False(JaegerStrategy.TryParse(Encoding.UTF8.GetBytes(json), 2000, out var strategy, out string? error));
        Assert.Null(strategy);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void SamplerArgument_IsParsed_AndInvalidItemsKeepTheirDefaults()
    {
        var options = SamplerSettings.JaegerOptions("endpoint=http://agent:5778,pollingIntervalMs=5000,initialSamplingRate=0.25", "svc");
        Assert.Equal(new System.Uri("http://agent:5778"), options.Endpoint);
        Assert.Equal(System.TimeSpan.FromSeconds(5), options.PollingInterval);
        Assert.Equal(0.25, options.InitialSamplingRate);
        Assert.Equal("svc", options.ServiceName);

        var bad = SamplerSettings.JaegerOptions("endpoint=ftp://x,pollingIntervalMs=-1,initialSamplingRate=2,what=ever,", null);
        Assert.Equal(new System.Uri("http://localhost:5778"), bad.Endpoint);
        Assert.Equal(System.TimeSpan.FromSeconds(60), bad.PollingInterval);
        Assert.Equal(0.001, bad.InitialSamplingRate);
    }
}

using System.Collections.Generic;
using Microsoft.Extensions.Configuration;
using Tracing.Sdk.Extensions.Hosting;
using Xunit;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>The sampler the <c>Tracing</c> configuration section describes.</summary>
public class SamplingConfigurationTests
{
    private static IConfigurationRoot Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void StructuredRules_BuildAParentBasedRuleSampler()
    {
        var config = Config(new()
        {
            ["Tracing:Sampling:Rules:0:Path"] = "/health*",
            ["Tracing:Sampling:Rules:0:Ratio"] = "0",
            ["Tracing:Sampling:Rules:1:Method"] = "GET",
            ["Tracing:Sampling:Rules:1:Route"] = "/orders/{id}",
            ["Tracing:Sampling:Rules:1:Ratio"] = "0.1",
            ["Tracing:Sampling:Rules:2:Kind"] = "client",
            ["Tracing:Sampling:Rules:2:Attributes:tenant"] = "acme",
            ["Tracing:Sampling:Rules:2:RatePerSecond"] = "5",
            ["Tracing:Sampling:Default:Ratio"] = "0.5",
        });
        Assert.True(SamplingReload.TryRead(config, out var sampler, out _));
        Assert.StartsWith("ParentBased{root:RuleBased{path=/health*=>drop;method=GET,route=/orders/{id}=>ratio:0.1;kind=client,attr.tenant=acme=>rate:5;default=>ratio:0.5}", sampler.Description);
    }

    [Fact]
    public void RulesAsText_AndParentBasedFalse_BuildARuleSampler()
    {
        var config = Config(new() { ["Tracing:Sampling:Rules"] = "path=/health=>drop;=>ratio:0.25", ["Tracing:Sampling:ParentBased"] = "false" });
        Assert.True(SamplingReload.TryRead(config, out var sampler, out _));
        Assert.Equal("RuleBased{path=/health=>drop;default=>ratio:0.25}", sampler.Description);
    }

    [Theory]
    [InlineData("Tracing:Sampling:Rules:0:Ratio", "7")]
    [InlineData("Tracing:Sampling:Rules:0:Ratio", "half")]
    [InlineData("Tracing:Sampling:Rules:0:Kind", "sideways")]
    [InlineData("Tracing:Sampling:Rules:0:RatePerSecond", "-1")]
    [InlineData("Tracing:Sampling:Rules", "path=/x=>sometimes")]
    [InlineData("Tracing:Sampling:Default:Ratio", "NaN")]
    public void InvalidSettings_AreRejectedWithAReason(string key, string value)
    {
        var config = Config(new() { ["Tracing:Sampling:Rules:0:Path"] = "/x", [key] = value });
        if (key == "Tracing:Sampling:Rules")
        {
            config = Config(new() { [key] = value });
        }

        Assert.False(SamplingReload.TryRead(config, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void SamplerAndArgument_AreReadWhenThereIsNoSection()
    {
        var config = Config(new() { ["Tracing:Sampler"] = "parentbased_traceidratio", ["Tracing:SamplerArgument"] = "0.25" });
        Assert.True(SamplingReload.TryRead(config, out var sampler, out _));
        Assert.StartsWith("ParentBased{root:TraceIdRatioBased{0.25}", sampler.Description);
        Assert.False(SamplingReload.TryRead(Config(new() { ["Tracing:Sampler"] = "rules", ["Tracing:SamplerArgument"] = "=>maybe" }), out _, out _));
    }

    [Fact]
    public void SettingsKey_ChangesOnlyWithTheSamplingSettings()
    {
        var config = Config(new() { ["Tracing:Sampling:Default:Ratio"] = "0.5", ["Logging:LogLevel:Default"] = "Information" });
        string before = SamplingReload.SettingsKey(config);
        config["Logging:LogLevel:Default"] = "Debug";
        Assert.Equal(before, SamplingReload.SettingsKey(config));
        config["Tracing:Sampling:Default:Ratio"] = "1";
        Assert.NotEqual(before, SamplingReload.SettingsKey(config));
    }
}

using System;

namespace Tracing.Sdk.Sampling;

/// <summary>Settings of a <see cref="JaegerRemoteSampler"/> (the <c>OTEL_TRACES_SAMPLER_ARG</c> keys in parentheses).</summary>
public sealed class JaegerRemoteSamplerOptions
{
    /// <summary>The sampling endpoint's base address (<c>endpoint</c>); <c>/sampling?service=…</c> is appended unless it already ends in <c>/sampling</c>. Default <c>http://localhost:5778</c>, the Jaeger agent's.</summary>
    public Uri Endpoint { get; set; } = new("http://localhost:5778");

    /// <summary>The service whose strategy is asked for; default the provider's <c>service.name</c>.</summary>
    public string? ServiceName { get; set; }

    /// <summary>How often the strategy is fetched (<c>pollingIntervalMs</c>). Default 60 seconds; at least 100 ms.</summary>
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The ratio in force until a strategy is fetched (<c>initialSamplingRate</c>). Default 0.001.</summary>
    public double InitialSamplingRate { get; set; } = 0.001;

    /// <summary>How long one fetch may take. Default 10 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most operations (span names) that get their own per-operation sampler; the rest share the default. Default 2000.</summary>
    public int MaxOperations { get; set; } = 2000;
}

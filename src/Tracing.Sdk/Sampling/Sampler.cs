using System;

namespace Tracing.Sdk.Sampling;

/// <summary>
/// Decides whether a span is recorded and sampled. Called on the application's thread for every span: an implementation
/// must be thread-safe, fast and allocation-free.
/// </summary>
public abstract class Sampler
{
    /// <summary>Samples every span.</summary>
    public static Sampler AlwaysOn { get; } = new AlwaysOnSampler();

    /// <summary>Samples no span.</summary>
    public static Sampler AlwaysOff { get; } = new AlwaysOffSampler();

    /// <summary>Samples a fixed share of traces, decided from the trace id so that every service agrees.</summary>
    /// <param name="ratio">Between 0 and 1.</param>
    public static Sampler TraceIdRatio(double ratio) => new TraceIdRatioBasedSampler(ratio);

    /// <summary>Follows the parent's decision; <paramref name="root"/> decides for root spans.</summary>
    /// <param name="root">The sampler for spans without a parent.</param>
    public static Sampler ParentBased(Sampler root) => new ParentBasedSampler(root);

    /// <summary>Samples at most <paramref name="spansPerSecond"/> new traces a second (a token bucket, like Jaeger's rate limiter).</summary>
    /// <param name="spansPerSecond">The sustained rate; bursts up to one second's worth (at least 1).</param>
    public static Sampler RateLimiting(double spansPerSecond) => new RateLimitingSampler(spansPerSecond);

    /// <summary>
    /// Consistent probability sampling across services: roots are sampled with <paramref name="ratio"/> (and carry
    /// <c>ot=th:…</c>); under a sampled remote parent the upstream threshold is honoured and can only be lowered to
    /// <paramref name="ratio"/>, never raised; local children follow their parent.
    /// </summary>
    /// <param name="ratio">Between 0 and 1: the most this service samples.</param>
    public static Sampler ConsistentParentBased(double ratio) => new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio), remoteParentSampled: new TraceIdRatioBasedSampler(ratio));

    /// <summary>
    /// The sampler that <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c> name in <paramref name="getSetting"/>
    /// (including <c>rules</c>, <c>parentbased_rules</c>, <c>jaeger_remote</c> and <c>parentbased_jaeger_remote</c>),
    /// or null when none is named. Invalid values are reported to the SDK's EventSource and fall back to the default.
    /// </summary>
    /// <param name="getSetting">Returns a setting's value, or null.</param>
    /// <param name="serviceName">The service name a remote sampler asks for.</param>
    public static Sampler? FromSettings(Func<string, string?> getSetting, string? serviceName = null)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        return SamplerSettings.Read(getSetting, serviceName);
    }

    /// <summary>Decides for one span.</summary>
    /// <param name="parameters">What is known about the span.</param>
    public abstract SamplingResult ShouldSample(in SamplingParameters parameters);

    /// <summary>A description, as the OpenTelemetry specification names samplers (for example <c>TraceIdRatioBased{0.25}</c>).</summary>
    public abstract string Description { get; }

    /// <inheritdoc/>
    public override string ToString() => Description;
}

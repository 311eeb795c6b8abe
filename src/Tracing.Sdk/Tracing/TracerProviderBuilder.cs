using System;
using System.Collections.Generic;
using System.Diagnostics;
using Tracing.Sdk.Configuration;
using Tracing.Sdk.Processing;
using Tracing.Sdk.Sampling;

using Tracing.Sdk.Diagnostics;

namespace Tracing.Sdk;

/// <summary>
/// Configures and builds a <see cref="TracerProvider"/>. Settings made in code win over the <c>OTEL_*</c> variables,
/// which win over the defaults. Packages extend it with extension methods (exporters, instrumentations).
/// </summary>
public sealed class TracerProviderBuilder
{
    private readonly List<KeyValue> _resourceAttributes = [];
    private readonly List<SpanProcessor> _processors = [];
    private readonly List<Func<TracerProvider, IDisposable?>> _instrumentations = [];
    private Func<string, string?> _getSetting = Environment.GetEnvironmentVariable;
    private string? _serviceName;
    private Sampler? _sampler;
    private IdGenerator? _idGenerator;
    private SpanLimits? _limits;
    private ResourceDetectors _detectors = ResourceDetectors.All;
    private TimeSpan _shutdownTimeout = TracerProvider.DefaultShutdownTimeout;

    /// <summary>Creates a builder that reads settings from the process environment.</summary>
    /// <remarks><c>TRACING_SDK_SELF_LOG=stderr</c> there sends the SDK's warnings and errors to stderr from now on (see <see cref="SelfLogListener"/>).</remarks>
    public TracerProviderBuilder() => SelfLogListener.FromSetting(_getSetting);

    /// <summary>
    /// Reads settings (the <c>OTEL_*</c> names) from <paramref name="getSetting"/> instead of the process environment,
    /// for example from <c>IConfiguration</c>, or from a dictionary in a test.
    /// </summary>
    /// <param name="getSetting">Returns a setting's value, or null.</param>
    public TracerProviderBuilder SetSettingsSource(Func<string, string?> getSetting)
    {
        ArgumentNullException.ThrowIfNull(getSetting);
        _getSetting = getSetting;
        SelfLogListener.FromSetting(getSetting);
        return this;
    }

    /// <summary>Reads a setting (an <c>OTEL_*</c> name) from the configured source; for extension packages.</summary>
    /// <param name="name">The setting name.</param>
    public string? GetSetting(string name) => _getSetting(name);

    /// <summary>Sets <c>service.name</c>, overriding <c>OTEL_SERVICE_NAME</c>.</summary>
    /// <param name="serviceName">The service name.</param>
    public TracerProviderBuilder SetServiceName(string serviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        _serviceName = serviceName;
        return this;
    }

    /// <summary>Adds resource attributes, overriding those of <c>OTEL_RESOURCE_ATTRIBUTES</c>.</summary>
    /// <param name="attributes">The attributes.</param>
    public TracerProviderBuilder AddResourceAttributes(IEnumerable<KeyValue> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        _resourceAttributes.AddRange(attributes);
        return this;
    }

    /// <summary>
    /// Chooses the resource detectors run when the provider is built (default: <see cref="ResourceDetectors.All"/>);
    /// for example <c>SetResourceDetectors(ResourceDetectors.All &amp; ~ResourceDetectors.Host)</c> leaves out
    /// <c>host.*</c>. Detected attributes are the weakest: <c>OTEL_RESOURCE_ATTRIBUTES</c>, <c>OTEL_SERVICE_NAME</c> and
    /// <see cref="AddResourceAttributes"/> override them.
    /// </summary>
    /// <param name="detectors">The detectors to run; <see cref="ResourceDetectors.None"/> turns detection off.</param>
    public TracerProviderBuilder SetResourceDetectors(ResourceDetectors detectors)
    {
        _detectors = detectors & ResourceDetectors.All;
        return this;
    }

    /// <summary>Sets the sampler, overriding <c>OTEL_TRACES_SAMPLER</c>. Default: parent-based, always on.</summary>
    /// <param name="sampler">The sampler.</param>
    public TracerProviderBuilder SetSampler(Sampler sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        _sampler = sampler;
        return this;
    }

    /// <summary>Sets the id generator. Default: <see cref="IdGenerator.Random"/>.</summary>
    /// <param name="idGenerator">The generator.</param>
    public TracerProviderBuilder SetIdGenerator(IdGenerator idGenerator)
    {
        ArgumentNullException.ThrowIfNull(idGenerator);
        _idGenerator = idGenerator;
        return this;
    }

    /// <summary>Sets the span limits, overriding the <c>OTEL_*_LIMIT</c> variables.</summary>
    /// <param name="limits">The limits.</param>
    public TracerProviderBuilder SetSpanLimits(SpanLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        return this;
    }

    /// <summary>Adds a processor; spans reach processors in the order they were added.</summary>
    /// <param name="processor">The processor.</param>
    public TracerProviderBuilder AddProcessor(SpanProcessor processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        _processors.Add(processor);
        return this;
    }

    /// <summary>
    /// Adds something that starts when the provider is built and is disposed when it shuts down (an instrumentation,
    /// a listener). The factory gets the built provider; it may return null.
    /// </summary>
    /// <param name="factory">Starts the instrumentation.</param>
    public TracerProviderBuilder AddInstrumentation(Func<TracerProvider, IDisposable?> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _instrumentations.Add(factory);
        return this;
    }

    /// <summary>
    /// Sets the bound of <see cref="TracerProvider.Shutdown()"/> and <see cref="TracerProvider.Dispose"/> (default
    /// <see cref="TracerProvider.DefaultShutdownTimeout"/>): exporters stop retrying in time to end within
    /// it, spool what they can and drop the rest, counted with reason <c>shutdown</c>.
    /// </summary>
    /// <param name="timeout">The bound; positive and at most <see cref="int.MaxValue"/> milliseconds.</param>
    public TracerProviderBuilder SetShutdownTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeout, TimeSpan.FromMilliseconds(int.MaxValue));
        _shutdownTimeout = timeout;
        return this;
    }

    /// <summary>Builds the provider. With <c>OTEL_SDK_DISABLED=true</c> it records nothing (context still propagates).</summary>
    public TracerProvider Build()
    {
        // Create the SDK's EventSource now, not at its first event: a listener (the hosting package's ILogger
        // forwarding, TRACING_SDK_SELF_LOG) enables it when it is created, and some diagnostics only run while it is
        // enabled (the watch for ActivitySources nobody registered), so they must not wait for an unrelated event.
        _ = SdkEventSource.Log.IsEnabled();
        bool disabled = OtelEnvironment.ReadBool(_getSetting, "OTEL_SDK_DISABLED");
        var resource = BuildResource();
        var sampler = _sampler ?? (disabled ? null : SamplerSettings.Read(_getSetting, resource.ServiceName)) ?? Sampler.ParentBased(Sampler.AlwaysOn);
        var limits = _limits ?? SpanLimits.FromEnvironment(_getSetting);
        var provider = new TracerProvider(resource, sampler, _idGenerator ?? IdGenerator.Random, limits, [.. _processors], disabled)
        {
            ShutdownTimeout = _shutdownTimeout,
        };

        // A sampler that owns resources (the Jaeger remote sampler's poller) stops with the provider.
        if ((sampler as IDisposable ?? (sampler as ParentBasedSampler)?.Root as IDisposable) is { } owned)
        {
            provider.AddInstrumentation(owned);
        }

        if (!disabled)
        {
            foreach (var factory in _instrumentations)
            {
                if (factory(provider) is { } instrumentation)
                {
                    provider.AddInstrumentation(instrumentation);
                }
            }
        }

        return provider;
    }

    private Resource BuildResource()
    {
        var attributes = new List<KeyValue>
        {
            new("service.name", DefaultServiceName()),
            new("telemetry.sdk.name", "tracing-sdk"),
            new("telemetry.sdk.language", "dotnet"),
            new("telemetry.sdk.version", Diagnostics.SdkVersion.Current),
        };

        // Detected attributes come before every configured source, so any of those overrides them.
        ResourceDetection.Detect(_detectors, attributes);
        attributes.AddRange(OtelEnvironment.ReadResourceAttributes(_getSetting));
        if (_getSetting("OTEL_SERVICE_NAME") is { Length: > 0 } envName)
        {
            attributes.Add(new("service.name", envName.Trim()));
        }

        attributes.AddRange(_resourceAttributes);
        if (_serviceName is not null)
        {
            attributes.Add(new("service.name", _serviceName));
        }

        return new Resource(attributes);
    }

    private static string DefaultServiceName()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return "unknown_service:" + process.ProcessName;
        }
        catch
        {
            return "unknown_service";
        }
    }
}

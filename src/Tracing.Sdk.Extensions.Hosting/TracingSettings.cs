using System;
using Microsoft.Extensions.Configuration;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>
/// Where the provider's settings come from under the host: the <c>Tracing</c> configuration section (friendly names,
/// for example <c>Tracing:ServiceName</c>), then <c>OTEL_*</c> keys anywhere in <see cref="IConfiguration"/> (which
/// includes environment variables in a default host), then the process environment.
/// </summary>
internal sealed class TracingSettings
{
    /// <summary>The configuration section of the friendly names.</summary>
    public const string SectionName = "Tracing";

    private readonly IConfiguration? _configuration;

    public TracingSettings(IConfiguration? configuration) => _configuration = configuration;

    public string? Get(string name)
    {
        if (_configuration is { } config)
        {
            if (FriendlyName(name) is { } friendly && config[SectionName + ":" + friendly] is { Length: > 0 } fromSection)
            {
                return fromSection;
            }

            if (config[SectionName + ":" + name] is { Length: > 0 } rawInSection)
            {
                return rawInSection;
            }

            if (config[name] is { Length: > 0 } fromConfig)
            {
                return fromConfig;
            }
        }

        return Environment.GetEnvironmentVariable(name);
    }

    private static string? FriendlyName(string name) => name switch
    {
        "OTEL_SERVICE_NAME" => "ServiceName",
        "OTEL_RESOURCE_ATTRIBUTES" => "ResourceAttributes",
        "OTEL_PROPAGATORS" => "Propagators",
        "OTEL_TRACES_SAMPLER" => "Sampler",
        "OTEL_TRACES_SAMPLER_ARG" => "SamplerArgument",
        "OTEL_SDK_DISABLED" => "Disabled",
        _ => null,
    };
}

using System;
using Microsoft.Extensions.Configuration;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>
/// Where the provider's settings come from under the host, layered as ASP.NET Core layers its own settings: the
/// process environment (<c>OTEL_SERVICE_NAME=...</c>) wins over configuration files; then the <c>Tracing</c>
/// configuration section (friendly names such as <c>Tracing:ServiceName</c>, then raw names such as
/// <c>Tracing:OTEL_SERVICE_NAME</c>); then <c>OTEL_*</c> keys at the root of <see cref="IConfiguration"/>. Within
/// <see cref="IConfiguration"/> its own provider order applies (so <c>Tracing__ServiceName</c> in the environment beats
/// appsettings.json too). Settings made in code on the builder win over all of these.
/// </summary>
internal sealed class TracingSettings
{
    /// <summary>The configuration section of the friendly names.</summary>
    public const string SectionName = "Tracing";

    private readonly IConfiguration? _configuration;

    public TracingSettings(IConfiguration? configuration) => _configuration = configuration;

    /// <summary>
    /// Reads a process environment variable. Only tests replace it (with one that knows no variables), so a test host's
    /// settings come from the test alone, whatever the machine running it has set.
    /// </summary>
    internal static Func<string, string?> ReadEnvironment { get; set; } = Environment.GetEnvironmentVariable;

    public string? Get(string name)
    {
        // The environment first: a variable set for one deployment must beat the file shipped with the application.
        if (ReadEnvironment(name) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

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

        return null;
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

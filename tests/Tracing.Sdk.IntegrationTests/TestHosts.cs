using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Tracing.Sdk.Extensions.Hosting;

namespace Tracing.Sdk.IntegrationTests;

/// <summary>
/// Web hosts whose tracing settings come from the test alone: neither the hosting package's environment lookup nor the
/// host's configuration sees the machine's <c>OTEL_*</c>, <c>TRACING_*</c> or <c>Tracing__*</c> variables.
/// </summary>
internal static class TestHosts
{
    /// <summary>Runs once, before any test of this assembly: the hosting package reads no process environment here.</summary>
    [ModuleInitializer]
    internal static void IgnoreTheProcessEnvironment() => TracingSettings.ReadEnvironment = static _ => null;

    /// <summary><see cref="WebApplication.CreateSlimBuilder()"/> without the environment-variable configuration sources.</summary>
    public static WebApplicationBuilder CreateSlimBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder();
        foreach (var source in builder.Configuration.Sources.OfType<EnvironmentVariablesConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(source);
        }

        return builder;
    }
}

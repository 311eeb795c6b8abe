using System.Reflection;

namespace Tracing.Sdk.Diagnostics;

/// <summary>The SDK's version, as the meter and the <c>telemetry.sdk.version</c> resource attribute report it.</summary>
internal static class SdkVersion
{
    /// <summary>The package's informational version without its source-revision suffix.</summary>
    public static string Current { get; } =
        typeof(SdkVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";
}

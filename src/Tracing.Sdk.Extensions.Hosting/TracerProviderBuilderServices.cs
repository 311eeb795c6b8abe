using System;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>The application's services, for instrumentations configured inside <c>AddTracing</c>.</summary>
public static class TracerProviderBuilderServices
{
    private static readonly ConditionalWeakTable<TracerProviderBuilder, IServiceProvider> s_services = new();

    /// <summary>
    /// The service provider of the host whose <c>AddTracing</c> call created <paramref name="builder"/>, or null for a
    /// builder made by hand. Instrumentations use it to attach to that host's own listeners (several hosts in one
    /// process then each trace only their own requests).
    /// </summary>
    /// <param name="builder">The builder.</param>
    public static IServiceProvider? GetServiceProvider(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return s_services.TryGetValue(builder, out var services) ? services : null;
    }

    internal static void SetServiceProvider(TracerProviderBuilder builder, IServiceProvider services)
        => s_services.AddOrUpdate(builder, services);
}

using System.Collections.Generic;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>
/// The providers that have an HttpClient instrumentation. With several providers in one process (one per hosted
/// service), a request belongs to the provider that recorded its parent, if that provider instruments HttpClient.
/// </summary>
internal static class HttpClientOwners
{
    private static readonly List<TracerProvider> s_providers = [];

    public static void Add(TracerProvider provider)
    {
        lock (s_providers)
        {
            s_providers.Add(provider);
        }
    }

    public static void Remove(TracerProvider provider)
    {
        lock (s_providers)
        {
            s_providers.Remove(provider);
        }
    }

    public static bool Contains(TracerProvider provider)
    {
        lock (s_providers)
        {
            return s_providers.Contains(provider);
        }
    }
}

using System.Collections.Concurrent;

namespace Tracing.Sdk.Instrumentation.AspNetCore;

/// <summary>
/// <c>{METHOD} {route}</c> names, built once per method and route template instead of once per request. An application
/// has a fixed set of routes; past <see cref="Capacity"/> names (a route table generated at run time) the names are
/// built per request rather than kept, so memory stays bounded.
/// </summary>
internal sealed class ServerSpanNames
{
    internal const int Capacity = 1024;

    private readonly ConcurrentDictionary<(string Method, string Route), string> _names = new();

    public string NameOf(string method, string route)
    {
        if (_names.TryGetValue((method, route), out var name))
        {
            return name;
        }

        name = method + " " + route;
        if (_names.Count < Capacity)
        {
            _names.TryAdd((method, route), name);
        }

        return name;
    }
}

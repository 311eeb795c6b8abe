using System;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Tracing.Sdk.Instrumentation.Http;

/// <summary>
/// Reads one property of a diagnostic event's payload (the runtime's payload types are internal). The property is looked
/// up once per payload type; a payload of another shape yields null.
/// </summary>
internal sealed class PayloadProperty<T>
    where T : class
{
    private readonly string _name;
    private Cache? _cache;

    public PayloadProperty(string name) => _name = name;

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The runtime keeps its diagnostic payload properties (DynamicDependency on the payload types); a trimmed-away property reads as null.")]
    public T? Fetch(object? payload)
    {
        if (payload is null)
        {
            return null;
        }

        var type = payload.GetType();
        var cache = _cache;
        if (cache is null || cache.Type != type)
        {
            cache = new Cache(type, type.GetProperty(_name, BindingFlags.Public | BindingFlags.Instance));
            _cache = cache;
        }

        try
        {
            return cache.Property?.GetValue(payload) as T;
        }
#pragma warning disable CA1031 // A payload of an unexpected shape is ignored.
        catch
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private sealed record Cache(Type Type, PropertyInfo? Property);
}

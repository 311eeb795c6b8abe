using System;
using System.Collections.Generic;

namespace Tracing.Sdk;

/// <summary>The entity that produces spans: <c>service.name</c>, <c>telemetry.sdk.*</c> and any other attributes. Immutable.</summary>
public sealed class Resource
{
    private readonly KeyValue[] _attributes;

    /// <summary>Creates a resource from attributes; a repeated key keeps its last value.</summary>
    /// <param name="attributes">The attributes.</param>
    public Resource(IEnumerable<KeyValue> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var list = new List<KeyValue>();
        foreach (var kv in attributes)
        {
            int i = list.FindIndex(x => x.Key == kv.Key);
            if (i >= 0)
            {
                list[i] = kv;
            }
            else
            {
                list.Add(kv);
            }
        }

        _attributes = [.. list];
    }

    /// <summary>A resource with no attributes.</summary>
    public static Resource Empty { get; } = new([]);

    /// <summary>The attributes.</summary>
    public ReadOnlySpan<KeyValue> Attributes => _attributes;

    /// <summary>The value of <c>service.name</c>, or null.</summary>
    public string? ServiceName => Get("service.name")?.AsString();

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    /// <param name="key">The attribute key.</param>
    public AttributeValue? Get(string key)
    {
        foreach (var kv in _attributes)
        {
            if (kv.Key == key)
            {
                return kv.Value;
            }
        }

        return null;
    }

    /// <summary>This resource with <paramref name="other"/>'s attributes added; on a conflict <paramref name="other"/> wins.</summary>
    /// <param name="other">The resource to merge in.</param>
    public Resource Merge(Resource other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var all = new List<KeyValue>(_attributes);
        all.AddRange(other._attributes);
        return new Resource(all);
    }
}

using System;

namespace Tracing.Sdk;

/// <summary>An attribute: a key and a typed value. Used by spans, events, links and resources.</summary>
public readonly struct KeyValue : IEquatable<KeyValue>
{
    /// <summary>Creates an attribute.</summary>
    /// <param name="key">The key, for example <c>http.request.method</c>.</param>
    /// <param name="value">The value.</param>
    public KeyValue(string key, AttributeValue value)
    {
        Key = key;
        Value = value;
    }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>The value.</summary>
    public AttributeValue Value { get; }

    /// <inheritdoc/>
    public bool Equals(KeyValue other) => string.Equals(Key, other.Key, StringComparison.Ordinal) && Value.Equals(other.Value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is KeyValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, Value);

    /// <summary>Equality.</summary>
    public static bool operator ==(KeyValue left, KeyValue right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(KeyValue left, KeyValue right) => !left.Equals(right);

    /// <summary><c>key=value</c>.</summary>
    public override string ToString() => $"{Key}={Value}";
}

using System;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>
/// A typed attribute value: string, bool, long, double, or an array of one of these. Numbers and booleans are stored
/// inline, never boxed. Arrays are held by reference: do not change an array after passing it.
/// </summary>
public readonly struct AttributeValue : IEquatable<AttributeValue>
{
    private readonly object? _ref;
    private readonly long _bits;

    private AttributeValue(AttributeType type, long bits, object? reference)
    {
        Type = type;
        _bits = bits;
        _ref = reference;
    }

    /// <summary>The type of the value.</summary>
    public AttributeType Type { get; }

    /// <summary>A string value (null makes an empty value).</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AttributeValue(string? value)
        : this(value is null ? AttributeType.None : AttributeType.String, 0, value)
    {
    }

    /// <summary>A boolean value.</summary>
    /// <param name="value">The value.</param>
    public AttributeValue(bool value)
        : this(AttributeType.Bool, value ? 1 : 0, null)
    {
    }

    /// <summary>An integer value.</summary>
    /// <param name="value">The value.</param>
    public AttributeValue(long value)
        : this(AttributeType.Long, value, null)
    {
    }

    /// <summary>A double value.</summary>
    /// <param name="value">The value.</param>
    public AttributeValue(double value)
        : this(AttributeType.Double, BitConverter.DoubleToInt64Bits(value), null)
    {
    }

    /// <summary>A string array value.</summary>
    /// <param name="value">The value.</param>
    public AttributeValue(string[]? value)
        : this(value is null ? AttributeType.None : AttributeType.StringArray, 0, value)
    {
    }

    /// <summary>A boolean array value.</summary>
    /// <param name="value">The value.</param>
    public AttributeValue(bool[]? value)
        : this(value is null ? AttributeType.None : AttributeType.BoolArray, 0, value)
    {
    }

    /// <summary>An integer array value.</summary>
    /// <param name="value">The value.</param>
    public AttributeValue(long[]? value)
        : this(value is null ? AttributeType.None : AttributeType.LongArray, 0, value)
    {
    }

    /// <summary>A double array value.</summary>
    /// <param name="value">The value.</param>
    public AttributeValue(double[]? value)
        : this(value is null ? AttributeType.None : AttributeType.DoubleArray, 0, value)
    {
    }

    /// <summary>The string, or null when the type is not <see cref="AttributeType.String"/>.</summary>
    public string? AsString() => Type == AttributeType.String ? (string)_ref! : null;

    /// <summary>The boolean (false when the type differs).</summary>
    public bool AsBool() => Type == AttributeType.Bool && _bits != 0;

    /// <summary>The integer (0 when the type differs).</summary>
    public long AsLong() => Type == AttributeType.Long ? _bits : 0;

    /// <summary>The double (0 when the type differs).</summary>
    public double AsDouble() => Type == AttributeType.Double ? BitConverter.Int64BitsToDouble(_bits) : 0;

    /// <summary>The string array, or null.</summary>
    public string[]? AsStringArray() => _ref as string[];

    /// <summary>The boolean array, or null.</summary>
    public bool[]? AsBoolArray() => _ref as bool[];

    /// <summary>The integer array, or null.</summary>
    public long[]? AsLongArray() => _ref as long[];

    /// <summary>The double array, or null.</summary>
    public double[]? AsDoubleArray() => _ref as double[];

    /// <summary>Converts a string.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(string? value) => new(value);

    /// <summary>Converts a boolean.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(bool value) => new(value);

    /// <summary>Converts an integer.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(long value) => new(value);

    /// <summary>Converts an integer.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(int value) => new((long)value);

    /// <summary>Converts a double.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(double value) => new(value);

    /// <summary>Converts a string array.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(string[]? value) => new(value);

    /// <summary>Converts a boolean array.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(bool[]? value) => new(value);

    /// <summary>Converts an integer array.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(long[]? value) => new(value);

    /// <summary>Converts a double array.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator AttributeValue(double[]? value) => new(value);

    /// <summary>Creates a string value (same as the implicit conversion).</summary>
    /// <param name="value">The value.</param>
    public static AttributeValue FromString(string? value) => new(value);

    /// <summary>
    /// Shortens strings (also inside a string array) to at most <paramref name="maxLength"/> characters; other types are unchanged.
    /// Allocates only when something is actually cut.
    /// </summary>
    internal AttributeValue Truncate(int maxLength)
    {
        if (Type == AttributeType.String)
        {
            var s = (string)_ref!;
            return s.Length <= maxLength ? this : new AttributeValue(s[..maxLength]);
        }

        if (Type == AttributeType.StringArray)
        {
            var a = (string[])_ref!;
            string[]? copy = null;
            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] is { } s && s.Length > maxLength)
                {
                    copy ??= (string[])a.Clone();
                    copy[i] = s[..maxLength];
                }
            }

            return copy is null ? this : new AttributeValue(copy);
        }

        return this;
    }

    /// <summary>The value as text, for display: arrays as <c>[a, b]</c>.</summary>
    public override string ToString() => Type switch
    {
        AttributeType.String => (string)_ref!,
        AttributeType.Bool => AsBool() ? "true" : "false",
        AttributeType.Long => _bits.ToString(CultureInfo.InvariantCulture),
        AttributeType.Double => AsDouble().ToString("R", CultureInfo.InvariantCulture),
        AttributeType.StringArray => "[" + string.Join(", ", (string[])_ref!) + "]",
        AttributeType.BoolArray => "[" + string.Join(", ", Array.ConvertAll((bool[])_ref!, b => b ? "true" : "false")) + "]",
        AttributeType.LongArray => "[" + string.Join(", ", Array.ConvertAll((long[])_ref!, l => l.ToString(CultureInfo.InvariantCulture))) + "]",
        AttributeType.DoubleArray => "[" + string.Join(", ", Array.ConvertAll((double[])_ref!, d => d.ToString("R", CultureInfo.InvariantCulture))) + "]",
        _ => string.Empty,
    };

    /// <inheritdoc/>
    public bool Equals(AttributeValue other) => Type == other.Type && _bits == other._bits && Equals(_ref, other._ref);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is AttributeValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, _bits, _ref);

    /// <summary>Equality.</summary>
    public static bool operator ==(AttributeValue left, AttributeValue right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(AttributeValue left, AttributeValue right) => !left.Equals(right);
}

namespace Tracing.Sdk;

/// <summary>The type held by an <see cref="AttributeValue"/>.</summary>
#pragma warning disable CA1028 // One byte keeps AttributeValue small.
public enum AttributeType : byte
#pragma warning restore CA1028
{
    /// <summary>No value.</summary>
    None = 0,

    /// <summary>A string.</summary>
    String,

    /// <summary>A boolean.</summary>
    Bool,

    /// <summary>A 64-bit integer.</summary>
    Long,

    /// <summary>A double.</summary>
    Double,

    /// <summary>An array of strings.</summary>
    StringArray,

    /// <summary>An array of booleans.</summary>
    BoolArray,

    /// <summary>An array of 64-bit integers.</summary>
    LongArray,

    /// <summary>An array of doubles.</summary>
    DoubleArray,
}

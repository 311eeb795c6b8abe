using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>An 8-byte span id. The default value is the invalid all-zero id.</summary>
public readonly struct SpanId : IEquatable<SpanId>, ISpanFormattable
{
    private readonly ulong _value;

    /// <summary>Creates a span id from its big-endian value.</summary>
    /// <param name="value">The 8 bytes as a big-endian number.</param>
    public SpanId(ulong value) => _value = value;

    /// <summary>The number of characters of the hex form.</summary>
    public const int HexLength = 16;

    /// <summary>The 8 bytes as a big-endian number.</summary>
    public ulong Value => _value;

    /// <summary>True unless every byte is zero.</summary>
    public bool IsValid => _value != 0;

    /// <summary>Reads an id from 8 big-endian bytes.</summary>
    /// <param name="bytes">Exactly 8 bytes.</param>
    public static SpanId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 8)
        {
            throw new ArgumentException("A span id has 8 bytes.", nameof(bytes));
        }

        return new SpanId(BinaryPrimitives.ReadUInt64BigEndian(bytes));
    }

    /// <summary>Writes the id's 8 big-endian bytes.</summary>
    /// <param name="destination">At least 8 bytes.</param>
    public void CopyTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, _value);

    /// <summary>Parses exactly 16 lower-case hex digits. Allocation-free; the all-zero id parses but is not valid.</summary>
    /// <param name="hex">The characters to parse.</param>
    /// <param name="spanId">The id, or default.</param>
    public static bool TryParse(ReadOnlySpan<char> hex, out SpanId spanId) => TryParse(hex, allowUpperCase: false, out spanId);

    internal static bool TryParse(ReadOnlySpan<char> hex, bool allowUpperCase, out SpanId spanId)
    {
        spanId = default;
        if (hex.Length != HexLength || !Hex.TryParseUInt64(hex, allowUpperCase, out ulong value))
        {
            return false;
        }

        spanId = new SpanId(value);
        return true;
    }

    /// <summary>Writes the 16 lower-case hex digits.</summary>
    /// <param name="destination">At least 16 characters.</param>
    public void WriteHex(Span<char> destination) => Hex.WriteUInt64(_value, destination);

    /// <summary>The id as 16 lower-case hex digits.</summary>
    public override string ToString() => string.Create(HexLength, _value, static (chars, v) => Hex.WriteUInt64(v, chars));

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < HexLength)
        {
            charsWritten = 0;
            return false;
        }

        WriteHex(destination);
        charsWritten = HexLength;
        return true;
    }

    /// <summary>Converts to the runtime's <see cref="ActivitySpanId"/>.</summary>
    public ActivitySpanId ToActivitySpanId()
    {
        Span<byte> bytes = stackalloc byte[8];
        CopyTo(bytes);
        return ActivitySpanId.CreateFromBytes(bytes);
    }

    /// <summary>Converts from the runtime's <see cref="ActivitySpanId"/>.</summary>
    /// <param name="id">The runtime's id.</param>
    public static SpanId FromActivitySpanId(ActivitySpanId id)
    {
        Span<byte> bytes = stackalloc byte[8];
        id.CopyTo(bytes);
        return FromBytes(bytes);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(SpanId other) => _value == other._value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SpanId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>Equality.</summary>
    public static bool operator ==(SpanId left, SpanId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(SpanId left, SpanId right) => !left.Equals(right);
}

using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk;

/// <summary>A 16-byte W3C trace id. The default value is the invalid all-zero id.</summary>
public readonly struct TraceId : IEquatable<TraceId>, ISpanFormattable
{
    // Big-endian halves: _high holds bytes 0..7, _low bytes 8..15, so hex text reads high then low.
    private readonly ulong _high;
    private readonly ulong _low;

    /// <summary>Creates a trace id from its two big-endian halves.</summary>
    /// <param name="high">Bytes 0 to 7 of the id.</param>
    /// <param name="low">Bytes 8 to 15 of the id.</param>
    public TraceId(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>The number of characters of the hex form.</summary>
    public const int HexLength = 32;

    /// <summary>Bytes 0 to 7 of the id, big-endian.</summary>
    public ulong High => _high;

    /// <summary>Bytes 8 to 15 of the id, big-endian. Its right-most 56 bits are the randomness that samplers use.</summary>
    public ulong Low => _low;

    /// <summary>True unless every byte is zero.</summary>
    public bool IsValid => (_high | _low) != 0;

    /// <summary>Reads an id from 16 big-endian bytes.</summary>
    /// <param name="bytes">Exactly 16 bytes.</param>
    public static TraceId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 16)
        {
            throw new ArgumentException("A trace id has 16 bytes.", nameof(bytes));
        }

        return new TraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }

    /// <summary>Writes the id's 16 big-endian bytes.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>
    /// Parses exactly 32 lower-case hex digits, as W3C Trace Context requires. Allocation-free.
    /// The all-zero id parses (its <see cref="IsValid"/> is false); anything else malformed returns false.
    /// </summary>
    /// <param name="hex">The characters to parse.</param>
    /// <param name="traceId">The id, or default.</param>
    public static bool TryParse(ReadOnlySpan<char> hex, out TraceId traceId) => TryParse(hex, allowUpperCase: false, out traceId);

    /// <summary>
    /// Parses 16 or 32 hex digits; a 16-digit (64-bit) id is padded on the left with zeros, as B3 and Jaeger do.
    /// </summary>
    /// <param name="hex">The characters to parse.</param>
    /// <param name="allowUpperCase">Whether upper-case digits are accepted.</param>
    /// <param name="traceId">The id, or default.</param>
    internal static bool TryParseLenient(ReadOnlySpan<char> hex, bool allowUpperCase, out TraceId traceId)
    {
        if (hex.Length == 16)
        {
            traceId = default;
            if (!Hex.TryParseUInt64(hex, allowUpperCase, out ulong low))
            {
                return false;
            }

            traceId = new TraceId(0, low);
            return true;
        }

        return TryParse(hex, allowUpperCase, out traceId);
    }

    internal static bool TryParse(ReadOnlySpan<char> hex, bool allowUpperCase, out TraceId traceId)
    {
        traceId = default;
        if (hex.Length != HexLength
            || !Hex.TryParseUInt64(hex[..16], allowUpperCase, out ulong high)
            || !Hex.TryParseUInt64(hex[16..], allowUpperCase, out ulong low))
        {
            return false;
        }

        traceId = new TraceId(high, low);
        return true;
    }

    /// <summary>Writes the 32 lower-case hex digits.</summary>
    /// <param name="destination">At least 32 characters.</param>
    public void WriteHex(Span<char> destination)
    {
        Hex.WriteUInt64(_high, destination);
        Hex.WriteUInt64(_low, destination[16..]);
    }

    /// <summary>The id as 32 lower-case hex digits.</summary>
    public override string ToString() => string.Create(HexLength, this, static (chars, id) => id.WriteHex(chars));

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

    /// <summary>Converts to the runtime's <see cref="ActivityTraceId"/>.</summary>
    public ActivityTraceId ToActivityTraceId()
    {
        Span<byte> bytes = stackalloc byte[16];
        CopyTo(bytes);
        return ActivityTraceId.CreateFromBytes(bytes);
    }

    /// <summary>Converts from the runtime's <see cref="ActivityTraceId"/>.</summary>
    /// <param name="id">The runtime's id.</param>
    public static TraceId FromActivityTraceId(ActivityTraceId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.CopyTo(bytes);
        return FromBytes(bytes);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(TraceId other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TraceId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>Equality.</summary>
    public static bool operator ==(TraceId left, TraceId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TraceId left, TraceId right) => !left.Equals(right);
}

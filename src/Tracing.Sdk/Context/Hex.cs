using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tracing.Sdk;

/// <summary>Lower-case hexadecimal encoding shared by the id types and the propagators.</summary>
internal static class Hex
{
    private const string Digits = "0123456789abcdef";

    /// <summary>Value of a lower-case hex digit, or -1. Upper case is rejected: W3C Trace Context forbids it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LowerDigit(char c)
    {
        uint d = (uint)(c - '0');
        if (d <= 9)
        {
            return (int)d;
        }

        uint l = (uint)(c - 'a');
        return l <= 5 ? (int)(l + 10) : -1;
    }

    /// <summary>Value of a hex digit of either case, or -1 (B3 and Jaeger are lenient about case).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AnyDigit(char c)
    {
        int v = LowerDigit(c);
        if (v >= 0)
        {
            return v;
        }

        uint u = (uint)(c - 'A');
        return u <= 5 ? (int)(u + 10) : -1;
    }

    /// <summary>Parses exactly <c>chars.Length</c> (at most 16) hex digits into a number.</summary>
    public static bool TryParseUInt64(ReadOnlySpan<char> chars, bool allowUpperCase, out ulong value)
    {
        value = 0;
        if (chars.Length > 16)
        {
            return false;
        }

        ulong v = 0;
        foreach (char c in chars)
        {
            int d = allowUpperCase ? AnyDigit(c) : LowerDigit(c);
            if (d < 0)
            {
                return false;
            }

            v = (v << 4) | (uint)d;
        }

        value = v;
        return true;
    }

    /// <summary>Writes <paramref name="value"/> as 16 lower-case hex digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt64(ulong value, Span<char> destination)
    {
        for (int i = 15; i >= 0; i--)
        {
            destination[i] = Digits[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    /// <summary>Writes a byte as two lower-case hex digits.</summary>
    public static void WriteByte(byte value, Span<char> destination)
    {
        destination[0] = Digits[value >> 4];
        destination[1] = Digits[value & 0xF];
    }

    /// <summary>Writes bytes as lower-case hex (twice as many characters) with the runtime's vectorized routine.</summary>
    public static void WriteLower(ReadOnlySpan<byte> bytes, Span<char> chars) => Convert.TryToHexStringLower(bytes, chars, out _);

    /// <summary>
    /// Parses exactly 16 lower-case hex digits into a number, 16 characters at once with SIMD where available
    /// (the traceparent hot path); false for anything else, upper case included.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseLower16(ReadOnlySpan<char> chars, out ulong value)
    {
        if (chars.Length != 16)
        {
            value = 0;
            return false;
        }

        // The lane arithmetic below assumes little-endian lanes.
        if (!Vector128.IsHardwareAccelerated || !BitConverter.IsLittleEndian)
        {
            return TryParseUInt64(chars, allowUpperCase: false, out value);
        }

        ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(chars));
        var lo = Vector128.LoadUnsafe(ref first);
        var hi = Vector128.LoadUnsafe(ref first, 8);

        // Any character above 0x7F fails; then the 16 characters fit in 16 bytes.
        if (((lo | hi) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero)
        {
            value = 0;
            return false;
        }

        var b = Vector128.Narrow(lo, hi);
        var digit = b - Vector128.Create((byte)'0');
        var letter = b - Vector128.Create((byte)'a');
        var isDigit = Vector128.LessThan(digit, Vector128.Create((byte)10));
        var isLetter = Vector128.LessThan(letter, Vector128.Create((byte)6));
        if ((isDigit | isLetter) != Vector128<byte>.AllBitsSet)
        {
            value = 0;
            return false;
        }

        var nibbles = Vector128.ConditionalSelect(isDigit, digit, letter + Vector128.Create((byte)10)).AsUInt16();

        // Each 16-bit lane holds two nibbles: the earlier (high) one in its low byte, the later one in its high byte.
        var bytes = (nibbles << 4) | Vector128.ShiftRightLogical(nibbles, 8);
        var packed = Vector128.Narrow(bytes & Vector128.Create((ushort)0xFF), Vector128<ushort>.Zero);
        value = BinaryPrimitives.ReverseEndianness(packed.AsUInt64().ToScalar());
        return true;
    }

    /// <summary>
    /// Writes <paramref name="value"/> as 16 lower-case hex digits. On x64 in a few vector instructions: the 16 nibbles
    /// are spread over 16 byte lanes, mapped to digits by one table shuffle and widened to chars; measured with the
    /// traceparent injection, it is cheaper than the runtime's span-based routine, whose checks and call cost more than
    /// the encoding of 8 bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteLower(ulong value, Span<char> destination)
    {
        if (Ssse3.IsSupported && destination.Length >= 16)
        {
            // Most significant byte first, in lane 0, as it is written.
            var bytes = Vector128.CreateScalarUnsafe(BinaryPrimitives.ReverseEndianness(value)).AsByte();
            var mask = Vector128.Create((byte)0x0F);
            var high = Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask;
            var nibbles = Sse2.UnpackLow(high, bytes & mask);
            var digits = Ssse3.Shuffle(Vector128.Create((byte)'0', (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7', (byte)'8', (byte)'9', (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', (byte)'f'), nibbles);
            ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(destination));
            Vector128.WidenLower(digits).StoreUnsafe(ref first);
            Vector128.WidenUpper(digits).StoreUnsafe(ref first, 8);
            return;
        }

        Span<byte> bytes8 = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes8, value);
        Convert.TryToHexStringLower(bytes8, destination, out _);
    }
}

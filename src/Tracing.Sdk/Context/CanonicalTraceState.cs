using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tracing.Sdk;

/// <summary>
/// Recognizes the common <c>tracestate</c> header fast: one a W3C extractor forwards exactly as received, and a trace
/// state can keep as its wire form. It lives beside <see cref="TraceState"/> so that both the propagator and the
/// Activity bridge (which sees the header as <c>Activity.TraceStateString</c>) use it.
/// </summary>
internal static class CanonicalTraceState
{
    /// <summary>The longest header recognized: what a W3C extractor forwards at most.</summary>
    public const int MaxLength = 512;

    /// <summary>
    /// The common header in one vectorized pass: at most <see cref="MaxLength"/> ASCII characters, exactly
    /// <c>key=value</c> members joined by single commas (no white space, no empty member), unique keys and, when
    /// <paramref name="dropDebugMarker"/> is set, no debug marker. Such a header is forwarded as received, so proving
    /// it valid is all the work there is. Every character is first classified, 64 (or 32, or 16) at a time, into three bit
    /// sets (commas, '=' signs, characters not allowed in a key) while checking that all are printable; each member is
    /// then checked with a few word operations instead of a scan per key and per value. False means only "not shown
    /// canonical and valid": the general parser then decides, so this path can neither accept what the general parser
    /// rejects nor change what it keeps.
    /// </summary>
    public static bool TryValidate(ReadOnlySpan<char> header, bool dropDebugMarker, out int count)
    {
        count = 0;
        int length = header.Length;
        if (length is 0 or > MaxLength || !Vector128.IsHardwareAccelerated || !BitConverter.IsLittleEndian)
        {
            return false;
        }

        // Bit i of a set stands for header[i]: commas, '=' signs, and characters that may not appear in a key. Bits
        // past the end stay zero. (Inline arrays rather than stackalloc, so that the method is tiered and profiled.)
        var setWords = default(SetWords);
        Span<ulong> sets = setWords;
        var commas = sets.Slice(0, SetWords.PerSet);
        var equals = sets.Slice(SetWords.PerSet, SetWords.PerSet);
        var notKey = sets.Slice(2 * SetWords.PerSet, SetWords.PerSet);
        if (!(Vector512.IsHardwareAccelerated ? Classify64(header, commas, equals, notKey)
            : Vector256.IsHardwareAccelerated ? Classify32(header, commas, equals, notKey)
            : Classify16(header, commas, equals, notKey)))
        {
            return false;
        }

        // The separators (',' and '=') are taken in order: a canonical header alternates '=' and ',', starting with
        // '=', and its end stands for the last ','.
        int words = (length + 63) >> 6;
        int word = 0;
        ulong pending = commas[0] | equals[0];
        var fingerprints = default(KeyFingerprints);
        Span<ulong> seen = fingerprints;
        int start = 0;
        while (true)
        {
            // No '=' left (-1), an empty key, or a comma first (an empty member, or one without '=').
            int eq = NextSeparator(commas, equals, ref word, ref pending, words);
            if (eq <= start || (equals[eq >> 6] & (1UL << eq)) == 0 || count == TraceState.MaxMembers)
            {
                return false;
            }

            int end = NextSeparator(commas, equals, ref word, ref pending, words);
            if (end < 0)
            {
                end = length;
            }
            else if ((commas[end >> 6] & (1UL << end)) == 0)
            {
                return false; // a second '=' in the value
            }

            // Key: lcalpha or digit, then key characters, 256 at most. Value: printable (checked for the whole header)
            // and free of ',' and '=' (the separators above), 1 to 256 characters, not ending in a space. White space
            // around a member fails too: a space or tab is no key character, and a value may not end in a space.
            int keyLength = eq - start;
            if (keyLength > 256 || end - eq - 1 is < 1 or > TraceState.MaxValueLength
                || !(header[start] is >= 'a' and <= 'z' || char.IsAsciiDigit(header[start])) || header[end - 1] == ' '
                || AnyBitSet(notKey, start, eq))
            {
                return false;
            }

            var key = header.Slice(start, keyLength);
            ulong fingerprint = Fingerprint(key);
            for (int i = 0; i < count; i++)
            {
                if (seen[i] == fingerprint && IsDuplicate(header, key, start, commas, equals, i))
                {
                    return false;
                }
            }

            if (dropDebugMarker && keyLength == DebugMarker.Key.Length && key.SequenceEqual(DebugMarker.Key))
            {
                return false;
            }

            seen[count++] = fingerprint;
            if (end == length)
            {
                return true;
            }

            start = end + 1;
        }
    }

    /// <summary>
    /// The position of the next separator, or -1: the lowest bit of <paramref name="pending"/> (what is left of word
    /// <paramref name="word"/> of the comma and '=' sets), which it clears, moving on to later words as they empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextSeparator(ReadOnlySpan<ulong> commas, ReadOnlySpan<ulong> equals, ref int word, ref ulong pending, int words)
    {
        while (pending == 0)
        {
            if (++word >= words)
            {
                return -1;
            }

            pending = commas[word] | equals[word];
        }

        int position = (word << 6) + BitOperations.TrailingZeroCount(pending);
        pending &= pending - 1;
        return position;
    }

    /// <summary>The key's length, first and last character: keys with different fingerprints differ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fingerprint(ReadOnlySpan<char> key) => ((ulong)key.Length << 32) | ((ulong)key[0] << 16) | key[^1];

    /// <summary>Whether member <paramref name="index"/> (of the canonical members before <paramref name="before"/>) has <paramref name="key"/>.</summary>
    private static bool IsDuplicate(ReadOnlySpan<char> header, ReadOnlySpan<char> key, int before, ReadOnlySpan<ulong> commas, ReadOnlySpan<ulong> equals, int index)
    {
        int s = 0;
        for (int i = 0; i < index; i++)
        {
            s = NextSetBit(commas, s, before) + 1;
        }

        int e = NextSetBit(equals, s, before);
        return header[s..e].SequenceEqual(key);
    }

    /// <summary>Fills the sets 64 characters at a time; false when a character is not printable ASCII.</summary>
    public static bool Classify64(ReadOnlySpan<char> header, Span<ulong> commas, Span<ulong> equals, Span<ulong> notKey)
    {
        int length = header.Length;
        if (length < 64)
        {
            Span<char> padded = stackalloc char[64];
            header.CopyTo(padded);
            return Block64(padded, 0, 0, commas, equals, notKey, ulong.MaxValue >> (64 - length));
        }

        int full = length & ~63;
        for (int at = 0; at < full; at += 64)
        {
            if (!Block64(header, at, at, commas, equals, notKey, ulong.MaxValue))
            {
                return false;
            }
        }

        return full == length || Block64(header, length - 64, full, commas, equals, notKey, ulong.MaxValue);
    }

    /// <summary>
    /// Classifies the 64 characters at <paramref name="at"/> into word <paramref name="to"/> / 64 of each set. The last
    /// block of a header is its final 64 characters, which overlap the block before by <c>to - at</c>: those bits are
    /// dropped. <paramref name="valid"/> masks out the zero padding of a header shorter than a block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Block64(ReadOnlySpan<char> chars, int at, int to, Span<ulong> commas, Span<ulong> equals, Span<ulong> notKey, ulong valid)
    {
        ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(chars.Slice(at, 64)));
        var lo = Vector512.LoadUnsafe(ref first);
        var hi = Vector512.LoadUnsafe(ref first, 32);
        if (((lo | hi) & Vector512.Create((ushort)0xFF80)) != Vector512<ushort>.Zero)
        {
            return false;
        }

        // Every character is below 0x80, so narrowing keeps it whole.
        var b = Vector512.Narrow(lo, hi);
        ulong printable = Vector512.LessThan(b - Vector512.Create((byte)0x20), Vector512.Create((byte)0x5F)).ExtractMostSignificantBits();
        ulong key = (Vector512.LessThan(b - Vector512.Create((byte)'a'), Vector512.Create((byte)26))
            | Vector512.LessThan(b - Vector512.Create((byte)'0'), Vector512.Create((byte)10))
            | Vector512.Equals(b, Vector512.Create((byte)'_'))
            | Vector512.Equals(b, Vector512.Create((byte)'-'))
            | Vector512.Equals(b, Vector512.Create((byte)'*'))
            | Vector512.Equals(b, Vector512.Create((byte)'/'))
            | Vector512.Equals(b, Vector512.Create((byte)'@'))).ExtractMostSignificantBits();
        ulong comma = Vector512.Equals(b, Vector512.Create((byte)',')).ExtractMostSignificantBits();
        ulong eq = Vector512.Equals(b, Vector512.Create((byte)'=')).ExtractMostSignificantBits();
        int shift = to - at; // the overlap of the last block with the one before
        valid <<= shift;
        if ((printable & valid) != valid)
        {
            return false;
        }

        int word = to >> 6;
        commas[word] = (comma & valid) >> shift;
        equals[word] = (eq & valid) >> shift;
        notKey[word] = (~key & valid) >> shift;
        return true;
    }

    /// <summary>As <see cref="Classify64"/>, 32 characters at a time, for machines with 256-bit vectors only.</summary>
    public static bool Classify32(ReadOnlySpan<char> header, Span<ulong> commas, Span<ulong> equals, Span<ulong> notKey)
    {
        var c32 = MemoryMarshal.Cast<ulong, uint>(commas);
        var e32 = MemoryMarshal.Cast<ulong, uint>(equals);
        var k32 = MemoryMarshal.Cast<ulong, uint>(notKey);
        int length = header.Length;
        if (length < 32)
        {
            Span<char> padded = stackalloc char[32];
            header.CopyTo(padded);
            return Block32(padded, 0, 0, c32, e32, k32, uint.MaxValue >> (32 - length));
        }

        int full = length & ~31;
        for (int at = 0; at < full; at += 32)
        {
            if (!Block32(header, at, at, c32, e32, k32, uint.MaxValue))
            {
                return false;
            }
        }

        return full == length || Block32(header, length - 32, full, c32, e32, k32, uint.MaxValue);
    }

    /// <summary>As <see cref="Block64"/>, for 32 characters; a set's 32-bit slot <paramref name="to"/> / 32 is written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Block32(ReadOnlySpan<char> chars, int at, int to, Span<uint> commas, Span<uint> equals, Span<uint> notKey, uint valid)
    {
        ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(chars.Slice(at, 32)));
        var lo = Vector256.LoadUnsafe(ref first);
        var hi = Vector256.LoadUnsafe(ref first, 16);
        if (((lo | hi) & Vector256.Create((ushort)0xFF80)) != Vector256<ushort>.Zero)
        {
            return false;
        }

        // Every character is below 0x80, so narrowing keeps it whole.
        var b = Vector256.Narrow(lo, hi);
        uint printable = Vector256.LessThan(b - Vector256.Create((byte)0x20), Vector256.Create((byte)0x5F)).ExtractMostSignificantBits();
        uint key = (Vector256.LessThan(b - Vector256.Create((byte)'a'), Vector256.Create((byte)26))
            | Vector256.LessThan(b - Vector256.Create((byte)'0'), Vector256.Create((byte)10))
            | Vector256.Equals(b, Vector256.Create((byte)'_'))
            | Vector256.Equals(b, Vector256.Create((byte)'-'))
            | Vector256.Equals(b, Vector256.Create((byte)'*'))
            | Vector256.Equals(b, Vector256.Create((byte)'/'))
            | Vector256.Equals(b, Vector256.Create((byte)'@'))).ExtractMostSignificantBits();
        uint comma = Vector256.Equals(b, Vector256.Create((byte)',')).ExtractMostSignificantBits();
        uint eq = Vector256.Equals(b, Vector256.Create((byte)'=')).ExtractMostSignificantBits();
        int shift = to - at;
        valid <<= shift;
        if ((printable & valid) != valid)
        {
            return false;
        }

        int slot = to >> 5;
        commas[slot] = (comma & valid) >> shift;
        equals[slot] = (eq & valid) >> shift;
        notKey[slot] = (~key & valid) >> shift;
        return true;
    }

    /// <summary>As <see cref="Classify64"/>, 16 characters at a time, for machines without 512-bit vectors.</summary>
    public static bool Classify16(ReadOnlySpan<char> header, Span<ulong> commas, Span<ulong> equals, Span<ulong> notKey)
    {
        var c16 = MemoryMarshal.Cast<ulong, ushort>(commas);
        var e16 = MemoryMarshal.Cast<ulong, ushort>(equals);
        var k16 = MemoryMarshal.Cast<ulong, ushort>(notKey);
        int length = header.Length;
        if (length < 16)
        {
            Span<char> padded = stackalloc char[16];
            header.CopyTo(padded);
            return Block16(padded, 0, 0, c16, e16, k16, (ushort)(0xFFFF >> (16 - length)));
        }

        int full = length & ~15;
        for (int at = 0; at < full; at += 16)
        {
            if (!Block16(header, at, at, c16, e16, k16, 0xFFFF))
            {
                return false;
            }
        }

        return full == length || Block16(header, length - 16, full, c16, e16, k16, 0xFFFF);
    }

    /// <summary>As <see cref="Block64"/>, for 16 characters; a set's 16-bit slot <paramref name="to"/> / 16 is written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Block16(ReadOnlySpan<char> chars, int at, int to, Span<ushort> commas, Span<ushort> equals, Span<ushort> notKey, uint valid)
    {
        ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(chars.Slice(at, 16)));
        var lo = Vector128.LoadUnsafe(ref first);
        var hi = Vector128.LoadUnsafe(ref first, 8);
        if (((lo | hi) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero)
        {
            return false;
        }

        var b = Vector128.Narrow(lo, hi);
        uint printable = Vector128.LessThan(b - Vector128.Create((byte)0x20), Vector128.Create((byte)0x5F)).ExtractMostSignificantBits();
        uint key = (Vector128.LessThan(b - Vector128.Create((byte)'a'), Vector128.Create((byte)26))
            | Vector128.LessThan(b - Vector128.Create((byte)'0'), Vector128.Create((byte)10))
            | Vector128.Equals(b, Vector128.Create((byte)'_'))
            | Vector128.Equals(b, Vector128.Create((byte)'-'))
            | Vector128.Equals(b, Vector128.Create((byte)'*'))
            | Vector128.Equals(b, Vector128.Create((byte)'/'))
            | Vector128.Equals(b, Vector128.Create((byte)'@'))).ExtractMostSignificantBits();
        uint comma = Vector128.Equals(b, Vector128.Create((byte)',')).ExtractMostSignificantBits();
        uint eq = Vector128.Equals(b, Vector128.Create((byte)'=')).ExtractMostSignificantBits();
        int shift = to - at;
        valid = (valid << shift) & 0xFFFF;
        if ((printable & valid) != valid)
        {
            return false;
        }

        int slot = to >> 4;
        commas[slot] = (ushort)((comma & valid) >> shift);
        equals[slot] = (ushort)((eq & valid) >> shift);
        notKey[slot] = (ushort)((~key & valid) >> shift);
        return true;
    }

    /// <summary>The first set bit at or after <paramref name="from"/> and before <paramref name="none"/>, else <paramref name="none"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextSetBit(ReadOnlySpan<ulong> set, int from, int none)
    {
        if (from >= none)
        {
            return none;
        }

        int word = from >> 6;
        ulong bits = set[word] & (ulong.MaxValue << (from & 63));
        while (bits == 0)
        {
            if (++word << 6 >= none)
            {
                return none;
            }

            bits = set[word];
        }

        return Math.Min(none, (word << 6) + BitOperations.TrailingZeroCount(bits));
    }

    /// <summary>Whether a bit from <paramref name="from"/> up to (not including) <paramref name="to"/> is set; from &lt; to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AnyBitSet(ReadOnlySpan<ulong> set, int from, int to)
    {
        int word = from >> 6;
        int last = (to - 1) >> 6;
        ulong bits = set[word] & (ulong.MaxValue << (from & 63));
        ulong tail = ulong.MaxValue >> (63 - ((to - 1) & 63));
        if (word == last)
        {
            return (bits & tail) != 0;
        }

        if (bits != 0)
        {
            return true;
        }

        for (word++; word < last; word++)
        {
            if (set[word] != 0)
            {
                return true;
            }
        }

        return (set[last] & tail) != 0;
    }

    /// <summary>The three bit sets of <see cref="TryValidate"/>, one bit per character of up to 512.</summary>
    [InlineArray(3 * PerSet)]
    private struct SetWords
    {
        public const int PerSet = MaxLength / 64;

        private ulong _word;
    }

    /// <summary>A fingerprint per key seen, to find duplicates.</summary>
    [InlineArray(TraceState.MaxMembers)]
    private struct KeyFingerprints
    {
        private ulong _fingerprint;
    }
}

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
    /// it valid is all the work there is. Every character is first classified, 64 at a time (with vectors of 64, 32 or 16), into three bit
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
        if (!Classify(header, commas, equals, notKey, WidestWidth))
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

    /// <summary>The widest vector this machine runs in hardware, in characters: 64, 32 or 16.</summary>
    private static int WidestWidth => Vector512.IsHardwareAccelerated ? 64 : Vector256.IsHardwareAccelerated ? 32 : 16;

    /// <summary>
    /// Fills the sets 64 characters at a time, each block classified with vectors of <paramref name="width"/> characters
    /// (64, 32 or 16; the test compares them); false when a character is not printable ASCII.
    /// </summary>
    public static bool Classify(ReadOnlySpan<char> header, Span<ulong> commas, Span<ulong> equals, Span<ulong> notKey, int width)
    {
        int length = header.Length;
        if (length < 64)
        {
            Span<char> padded = stackalloc char[64];
            header.CopyTo(padded);
            return Block(padded, 0, 0, commas, equals, notKey, ulong.MaxValue >> (64 - length), width);
        }

        int full = length & ~63;
        for (int at = 0; at < full; at += 64)
        {
            if (!Block(header, at, at, commas, equals, notKey, ulong.MaxValue, width))
            {
                return false;
            }
        }

        return full == length || Block(header, length - 64, full, commas, equals, notKey, ulong.MaxValue, width);
    }

    /// <summary>
    /// Classifies the 64 characters at <paramref name="at"/> into word <paramref name="to"/> / 64 of each set. The last
    /// block of a header is its final 64 characters, which overlap the block before by <c>to - at</c>: those bits are
    /// dropped. <paramref name="valid"/> masks out the zero padding of a header shorter than a block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Block(ReadOnlySpan<char> chars, int at, int to, Span<ulong> commas, Span<ulong> equals, Span<ulong> notKey, ulong valid, int width)
    {
        ref ushort first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(chars.Slice(at, 64)));
        Masks masks = default;
        bool ascii = width switch
        {
            64 => Masks.Of64(ref first, ref masks),
            32 => Masks.Of32(ref first, 0, ref masks) && Masks.Of32(ref first, 32, ref masks),
            _ => Masks.Of16(ref first, 0, ref masks) && Masks.Of16(ref first, 16, ref masks)
                && Masks.Of16(ref first, 32, ref masks) && Masks.Of16(ref first, 48, ref masks),
        };

        int shift = to - at; // the overlap of the last block with the one before
        valid <<= shift;
        if (!ascii || (masks.Printable & valid) != valid)
        {
            return false;
        }

        int word = to >> 6;
        commas[word] = (masks.Comma & valid) >> shift;
        equals[word] = (masks.Equal & valid) >> shift;
        notKey[word] = (~masks.Key & valid) >> shift;
        return true;
    }

    /// <summary>
    /// A block's four classes, bit i for character i: printable, allowed in a key, ',' and '='. Filled by vectors of one
    /// width; the three widths differ only in the vector type (the BCL has no generic vector API to write them once).
    /// </summary>
    private struct Masks
    {
        public ulong Printable;
        public ulong Key;
        public ulong Comma;
        public ulong Equal;

        /// <summary>Characters at <paramref name="first"/> .. +63 in 512-bit vectors; false if one is not ASCII.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Of64(ref ushort first, ref Masks masks)
        {
            var lo = Vector512.LoadUnsafe(ref first);
            var hi = Vector512.LoadUnsafe(ref first, 32);
            if (((lo | hi) & Vector512.Create((ushort)0xFF80)) != Vector512<ushort>.Zero)
            {
                return false;
            }

            // Every character is below 0x80, so narrowing keeps it whole.
            var b = Vector512.Narrow(lo, hi);
            masks.Printable = Vector512.LessThan(b - Vector512.Create((byte)0x20), Vector512.Create((byte)0x5F)).ExtractMostSignificantBits();
            masks.Key = (Vector512.LessThan(b - Vector512.Create((byte)'a'), Vector512.Create((byte)26))
                | Vector512.LessThan(b - Vector512.Create((byte)'0'), Vector512.Create((byte)10))
                | Vector512.Equals(b, Vector512.Create((byte)'_'))
                | Vector512.Equals(b, Vector512.Create((byte)'-'))
                | Vector512.Equals(b, Vector512.Create((byte)'*'))
                | Vector512.Equals(b, Vector512.Create((byte)'/'))
                | Vector512.Equals(b, Vector512.Create((byte)'@'))).ExtractMostSignificantBits();
            masks.Comma = Vector512.Equals(b, Vector512.Create((byte)',')).ExtractMostSignificantBits();
            masks.Equal = Vector512.Equals(b, Vector512.Create((byte)'=')).ExtractMostSignificantBits();
            return true;
        }

        /// <summary>As <see cref="Of64"/>, for the 32 characters at <paramref name="offset"/>, into bits offset .. +31.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Of32(ref ushort first, int offset, ref Masks masks)
        {
            var lo = Vector256.LoadUnsafe(ref first, (nuint)offset);
            var hi = Vector256.LoadUnsafe(ref first, (nuint)offset + 16);
            if (((lo | hi) & Vector256.Create((ushort)0xFF80)) != Vector256<ushort>.Zero)
            {
                return false;
            }

            var b = Vector256.Narrow(lo, hi);
            masks.Printable |= (ulong)Vector256.LessThan(b - Vector256.Create((byte)0x20), Vector256.Create((byte)0x5F)).ExtractMostSignificantBits() << offset;
            masks.Key |= (ulong)(Vector256.LessThan(b - Vector256.Create((byte)'a'), Vector256.Create((byte)26))
                | Vector256.LessThan(b - Vector256.Create((byte)'0'), Vector256.Create((byte)10))
                | Vector256.Equals(b, Vector256.Create((byte)'_'))
                | Vector256.Equals(b, Vector256.Create((byte)'-'))
                | Vector256.Equals(b, Vector256.Create((byte)'*'))
                | Vector256.Equals(b, Vector256.Create((byte)'/'))
                | Vector256.Equals(b, Vector256.Create((byte)'@'))).ExtractMostSignificantBits() << offset;
            masks.Comma |= (ulong)Vector256.Equals(b, Vector256.Create((byte)',')).ExtractMostSignificantBits() << offset;
            masks.Equal |= (ulong)Vector256.Equals(b, Vector256.Create((byte)'=')).ExtractMostSignificantBits() << offset;
            return true;
        }

        /// <summary>As <see cref="Of64"/>, for the 16 characters at <paramref name="offset"/>, into bits offset .. +15.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Of16(ref ushort first, int offset, ref Masks masks)
        {
            var lo = Vector128.LoadUnsafe(ref first, (nuint)offset);
            var hi = Vector128.LoadUnsafe(ref first, (nuint)offset + 8);
            if (((lo | hi) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero)
            {
                return false;
            }

            var b = Vector128.Narrow(lo, hi);
            masks.Printable |= (ulong)Vector128.LessThan(b - Vector128.Create((byte)0x20), Vector128.Create((byte)0x5F)).ExtractMostSignificantBits() << offset;
            masks.Key |= (ulong)(Vector128.LessThan(b - Vector128.Create((byte)'a'), Vector128.Create((byte)26))
                | Vector128.LessThan(b - Vector128.Create((byte)'0'), Vector128.Create((byte)10))
                | Vector128.Equals(b, Vector128.Create((byte)'_'))
                | Vector128.Equals(b, Vector128.Create((byte)'-'))
                | Vector128.Equals(b, Vector128.Create((byte)'*'))
                | Vector128.Equals(b, Vector128.Create((byte)'/'))
                | Vector128.Equals(b, Vector128.Create((byte)'@'))).ExtractMostSignificantBits() << offset;
            masks.Comma |= (ulong)Vector128.Equals(b, Vector128.Create((byte)',')).ExtractMostSignificantBits() << offset;
            masks.Equal |= (ulong)Vector128.Equals(b, Vector128.Create((byte)'=')).ExtractMostSignificantBits() << offset;
            return true;
        }
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

using System;
using System.Buffers;
using System.Collections.Generic;

namespace Tracing.Sdk.Propagation;

/// <summary>
/// Parses a received <c>tracestate</c> header per W3C Trace Context: optional white space and empty list members are
/// accepted; a member that breaks the grammar or more than 32 members make the whole header invalid (it is then not
/// propagated, as the specification allows). A repeated key keeps its first (left-most) member and later ones are
/// discarded, which Trace Context level 2 allows ("vendors MAY also discard duplicate keys") and its test suite expects:
/// the rest of the header is still inherited. A valid header longer than 512 characters is truncated the way the
/// specification recommends: members longer than 128 characters go first, then members from the end.
/// </summary>
internal static class TraceStateHeader
{
    /// <summary>What we forward at most; W3C asks for at least 512 characters.</summary>
    public const int MaxPropagatedLength = CanonicalTraceState.MaxLength;

    /// <summary>Members longer than this are the first dropped when truncating (W3C).</summary>
    public const int LargeMemberLength = 128;

    /// <summary>
    /// The longest input even looked at: 32 members of a 256-character key, '=', a 256-character value and a comma,
    /// plus generous room for white space and empty members. Anything longer is rejected before any scan.
    /// </summary>
    public const int MaxInputLength = (TraceState.MaxMembers * (256 + 1 + TraceState.MaxValueLength + 1)) + 1024;

    private static readonly SearchValues<char> s_keyChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-*/@");

    // W3C value characters: printable ASCII (0x20 to 0x7E) except ',' and '='.
    private static readonly SearchValues<char> s_valueChars = SearchValues.Create(
        " !\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    // Printable ASCII: when the whole header is made of these, a value is valid unless it holds '=' or ends in a space.
    private static readonly SearchValues<char> s_printable = SearchValues.Create(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>Parses <paramref name="header"/>; null (and false) when it is invalid, null (and true) when it holds no member.</summary>
    public static bool TryParse(string header, bool dropDebugMarker, out TraceState? state)
    {
        state = null;
        if (header.Length > MaxInputLength)
        {
            return false;
        }

        if (CanonicalTraceState.TryValidate(header, dropDebugMarker, out int canonicalCount))
        {
            state = TraceState.FromValidatedHeader(header, canonicalCount, withoutDebugMarker: dropDebugMarker);
            return true;
        }

        Span<Range> ranges = stackalloc Range[TraceState.MaxMembers];
        Span<int> equals = stackalloc int[TraceState.MaxMembers];
        int count = 0;
        int received = 0; // members in the header, duplicates included: the 32-member limit applies to what was sent
        bool canonical = true; // the header is exactly "k=v,k=v": no white space, no empty member
        ReadOnlySpan<char> all = header;
        bool printable = !all.ContainsAnyExcept(s_printable); // one vectorized pass instead of one per value
        int start = 0;
        while (start <= all.Length)
        {
            int comma = all[start..].IndexOf(',');
            int end = comma < 0 ? all.Length : start + comma;

            // Trim optional white space (space and tab) around the member.
            int s = start;
            int e = end;
            while (s < e && all[s] is ' ' or '\t')
            {
                s++;
            }

            while (e > s && all[e - 1] is ' ' or '\t')
            {
                e--;
            }

            if (s == e)
            {
                canonical = false;
            }
            else
            {
                if (s != start || e != end)
                {
                    canonical = false;
                }

                if (received == TraceState.MaxMembers)
                {
                    return false;
                }

                received++;

                ReadOnlySpan<char> member = all[s..e];
                int eq = member.IndexOf('=');
                var value = member[(eq + 1)..];
                if (eq <= 0 || !IsValidKey(member[..eq])
                    || !(printable
                        ? value.Length is > 0 and <= TraceState.MaxValueLength && value[^1] != ' ' && !value.Contains('=')
                        : IsValidValue(value)))
                {
                    return false;
                }

                ReadOnlySpan<char> key = member[..eq];
                bool duplicate = false;
                for (int i = 0; i < count; i++)
                {
                    if (key.SequenceEqual(all[ranges[i]][..equals[i]]))
                    {
                        duplicate = true;
                        break;
                    }
                }

                if (duplicate)
                {
                    // Still validated above, so a malformed repeat invalidates the header like any malformed member.
                    canonical = false;
                }
                else
                {
                    ranges[count] = new Range(s, e);
                    equals[count] = eq;
                    count++;
                }
            }

            if (comma < 0)
            {
                break;
            }

            start = end + 1;
        }

        if (count == 0)
        {
            return true;
        }

        // Decide which members survive: the debug marker may be dropped, then the W3C truncation order applies.
        Span<bool> keep = stackalloc bool[count];
        keep.Fill(true);
        int kept = count;
        int length = -1; // serialized length: members plus separating commas
        for (int i = 0; i < count; i++)
        {
            var m = all[ranges[i]];
            if (dropDebugMarker && m[..equals[i]].SequenceEqual(DebugMarker.Key))
            {
                keep[i] = false;
                kept--;
                canonical = false;
                continue;
            }

            length += m.Length + 1;
        }

        if (length > MaxPropagatedLength)
        {
            canonical = false;
            for (int i = 0; i < count && length > MaxPropagatedLength; i++)
            {
                int len = all[ranges[i]].Length;
                if (keep[i] && len > LargeMemberLength)
                {
                    keep[i] = false;
                    kept--;
                    length -= len + 1;
                }
            }

            for (int i = count - 1; i >= 0 && length > MaxPropagatedLength; i--)
            {
                if (keep[i])
                {
                    keep[i] = false;
                    kept--;
                    length -= all[ranges[i]].Length + 1;
                }
            }
        }

        if (kept == 0)
        {
            return true;
        }

        if (canonical)
        {
            // Forwarded as received; members are split out only if someone asks for them.
            state = TraceState.FromValidatedHeader(header, count, withoutDebugMarker: dropDebugMarker);
            return true;
        }

        var members = new KeyValuePair<string, string>[kept];
        int k = 0;
        for (int i = 0; i < count; i++)
        {
            if (keep[i])
            {
                var m = all[ranges[i]];
                members[k++] = new(m[..equals[i]].ToString(), m[(equals[i] + 1)..].ToString());
            }
        }

        state = TraceState.FromValidatedMembers(members);
        return true;
    }

    /// <summary><see cref="TraceState.IsValidKey"/>, with the character checks vectorized.</summary>
    internal static bool IsValidKey(ReadOnlySpan<char> key) =>
        key.Length is >= 1 and <= 256
        && (key[0] is >= 'a' and <= 'z' || char.IsAsciiDigit(key[0]))
        && !key.ContainsAnyExcept(s_keyChars);

    /// <summary><see cref="TraceState.IsValidValue"/>, with the character checks vectorized.</summary>
    internal static bool IsValidValue(ReadOnlySpan<char> value) =>
        !value.IsEmpty && value.Length <= TraceState.MaxValueLength && value[^1] != ' ' && !value.ContainsAnyExcept(s_valueChars);
}

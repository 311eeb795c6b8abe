using System;
using System.Collections.Generic;
using System.Text;

namespace Tracing.Sdk;

/// <summary>
/// The immutable W3C <c>tracestate</c>: vendor key/value pairs, most recently updated first.
/// At most <see cref="MaxMembers"/> members; keys and values follow the W3C grammar.
/// </summary>
public sealed class TraceState
{
    /// <summary>The most members a trace state holds (W3C Trace Context).</summary>
    public const int MaxMembers = 32;

    /// <summary>The longest value a member may have.</summary>
    public const int MaxValueLength = 256;

    // Null while a trace state made from a received header has not been looked into: forwarding it unchanged (the
    // common case) then costs neither the member strings nor a rebuilt header. Computed at most once per thread race;
    // every computation yields equal members, so the race is benign.
    private KeyValuePair<string, string>[]? _members;
    private readonly int _count;
    private readonly bool _withoutDebugMarker;
    private string? _header;

    /// <summary>The trace state with no members.</summary>
    public static TraceState Empty { get; } = new([], string.Empty);

    private TraceState(KeyValuePair<string, string>[] members, string? header)
    {
        _members = members;
        _count = members.Length;
        _header = header;
    }

    private TraceState(string header, int count, bool withoutDebugMarker)
    {
        _header = header;
        _count = count;
        _withoutDebugMarker = withoutDebugMarker;
    }

    /// <summary>Wraps members a propagator has already validated (W3C grammar, unique keys, at most <see cref="MaxMembers"/>).</summary>
    internal static TraceState FromValidatedMembers(KeyValuePair<string, string>[] members) =>
        members.Length == 0 ? Empty : new TraceState(members, null);

    /// <summary>
    /// Wraps a received header a propagator has validated and found canonical: <c>key=value</c> members joined by
    /// single commas, no white space, no empty member, unique keys, <paramref name="count"/> (1 to 32) of them.
    /// The members are split out only when first asked for. <paramref name="withoutDebugMarker"/> records that the
    /// propagator checked the header holds no <see cref="DebugMarker"/>, which then needs no search on injection.
    /// </summary>
    internal static TraceState FromValidatedHeader(string header, int count, bool withoutDebugMarker) => new(header, count, withoutDebugMarker);

    /// <summary>Whether the trace state is known to hold no <see cref="DebugMarker"/> (false means "unknown").</summary>
    internal bool KnownWithoutDebugMarker => _withoutDebugMarker;

    private KeyValuePair<string, string>[] MemberArray => _members ??= SplitCanonical(_header!, _count);

    private static KeyValuePair<string, string>[] SplitCanonical(string header, int count)
    {
        var members = new KeyValuePair<string, string>[count];
        int start = 0;
        for (int i = 0; i < count; i++)
        {
            int comma = header.IndexOf(',', start);
            int end = comma < 0 ? header.Length : comma;
            int eq = header.IndexOf('=', start, end - start);
            members[i] = new(header[start..eq], header[(eq + 1)..end]);
            start = end + 1;
        }

        return members;
    }

    /// <summary>The number of members.</summary>
    public int Count => _count;

    /// <summary>The members, most recently updated first.</summary>
    public ReadOnlySpan<KeyValuePair<string, string>> Members => MemberArray;

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    /// <param name="key">A member key.</param>
    public string? Get(string key)
    {
        if (_members is null && _header is { } header)
        {
            return FindInHeader(header, key, out var value) ? value.ToString() : null;
        }

        foreach (var m in MemberArray)
        {
            if (m.Key == key)
            {
                return m.Value;
            }
        }

        return null;
    }

    /// <summary>The value of <paramref name="key"/> as a span over the stored text, without allocating; empty when absent.</summary>
    internal ReadOnlySpan<char> GetValueSpan(string key)
    {
        if (_members is null && _header is { } header)
        {
            return FindInHeader(header, key, out var value) ? value : default;
        }

        foreach (var m in MemberArray)
        {
            if (m.Key == key)
            {
                return m.Value;
            }
        }

        return default;
    }

    /// <summary>Looks <paramref name="key"/> up in the header text itself, so a lookup does not split every member.</summary>
    private static bool FindInHeader(ReadOnlySpan<char> header, string key, out ReadOnlySpan<char> value)
    {
        ReadOnlySpan<char> rest = header;
        while (!rest.IsEmpty)
        {
            int comma = rest.IndexOf(',');
            var member = comma < 0 ? rest : rest[..comma];
            if (member.Length > key.Length && member[key.Length] == '=' && member.StartsWith(key, StringComparison.Ordinal))
            {
                value = member[(key.Length + 1)..];
                return true;
            }

            rest = comma < 0 ? default : rest[(comma + 1)..];
        }

        value = default;
        return false;
    }

    /// <summary>
    /// A trace state with <paramref name="key"/> set to <paramref name="value"/> and moved to the front, as W3C requires of an update.
    /// When that makes more than 32 members, the right-most one is dropped.
    /// </summary>
    /// <param name="key">A key of the W3C grammar.</param>
    /// <param name="value">A value of the W3C grammar.</param>
    /// <exception cref="ArgumentException">The key or value breaks the W3C grammar.</exception>
    public TraceState With(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsValidKey(key))
        {
            throw new ArgumentException($"'{key}' is not a valid tracestate key.", nameof(key));
        }

        if (!IsValidValue(value))
        {
            throw new ArgumentException("Not a valid tracestate value.", nameof(value));
        }

        var list = new List<KeyValuePair<string, string>>(_count + 1) { new(key, value) };
        foreach (var m in MemberArray)
        {
            if (m.Key != key && list.Count < MaxMembers)
            {
                list.Add(m);
            }
        }

        return new TraceState([.. list], null);
    }

    /// <summary>A trace state without <paramref name="key"/>.</summary>
    /// <param name="key">The key to remove.</param>
    public TraceState Without(string key)
    {
        if (Get(key) is null)
        {
            return this;
        }

        var all = MemberArray;
        int index = Array.FindIndex(all, m => m.Key == key);
        var members = new KeyValuePair<string, string>[all.Length - 1];
        all.AsSpan(0, index).CopyTo(members);
        all.AsSpan(index + 1).CopyTo(members.AsSpan(index));
        return members.Length == 0 ? Empty : new TraceState(members, null);
    }

    /// <summary>
    /// Parses a <c>tracestate</c> header value. Empty list members and optional white space are allowed.
    /// A member that breaks the grammar or more than 32 members make the whole value invalid, and it returns false:
    /// W3C asks that such a trace state not be propagated. A repeated key keeps its first member; later ones are
    /// discarded (Trace Context level 2 lets a vendor discard duplicates and keep the rest).
    /// </summary>
    /// <param name="header">The header value; several header lines may be joined with commas.</param>
    /// <param name="traceState">The trace state, or <see cref="Empty"/>.</param>
    public static bool TryParse(ReadOnlySpan<char> header, out TraceState traceState)
    {
        traceState = Empty;
        if (header.IsEmpty)
        {
            return true;
        }

        // A valid header has at most 32 members of at most 256 + 1 + 256 chars plus separators; reject far larger input up front
        // so hostile input costs no more than a bounded scan.
        if (header.Length > MaxMembers * 520 + 1024)
        {
            return false;
        }

        var members = new List<KeyValuePair<string, string>>();
        int received = 0; // members sent, duplicates included: the 32-member limit applies to those
        while (true)
        {
            int comma = header.IndexOf(',');
            ReadOnlySpan<char> member = (comma < 0 ? header : header[..comma]).Trim(" \t");
            if (!member.IsEmpty)
            {
                int eq = member.IndexOf('=');
                if (eq <= 0)
                {
                    return false;
                }

                ReadOnlySpan<char> key = member[..eq];
                ReadOnlySpan<char> value = member[(eq + 1)..];
                if (!IsValidKey(key) || !IsValidValue(value) || received == MaxMembers)
                {
                    return false;
                }

                received++;
                bool duplicate = false;
                foreach (var m in members)
                {
                    if (key.SequenceEqual(m.Key))
                    {
                        duplicate = true;
                        break;
                    }
                }

                if (!duplicate)
                {
                    members.Add(new(key.ToString(), value.ToString()));
                }
            }

            if (comma < 0)
            {
                break;
            }

            header = header[(comma + 1)..];
        }

        if (members.Count > 0)
        {
            traceState = new TraceState([.. members], null);
        }

        return true;
    }

    /// <summary>
    /// <see cref="TryParse(ReadOnlySpan{char}, out TraceState)"/> for a header held as a string (an Activity's
    /// <c>TraceStateString</c>): a canonical one is validated in one vectorized pass and kept as the wire form, its
    /// members split out only if asked for; anything else goes through the general parser. Same results either way.
    /// </summary>
    internal static bool TryParseHeader(string header, out TraceState traceState)
    {
        if (CanonicalTraceState.TryValidate(header, dropDebugMarker: false, out int count))
        {
            traceState = FromValidatedHeader(header, count, withoutDebugMarker: false);
            return true;
        }

        return TryParse(header, out traceState);
    }

    /// <summary>The <c>tracestate</c> header value: members joined by commas, most recent first.</summary>
    public override string ToString()
    {
        if (_header is not null)
        {
            return _header;
        }

        var sb = new StringBuilder();
        foreach (var m in MemberArray)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(m.Key).Append('=').Append(m.Value);
        }

        return _header = sb.ToString();
    }

    /// <summary>
    /// Whether <paramref name="key"/> is a W3C Trace Context level 2 key: 1 to 256 characters, starting with a
    /// lower-case letter or a digit, made of lower-case letters, digits, '_', '-', '*', '/' and '@' (the level 1
    /// <c>tenant@system</c> split is no longer required, so keys such as <c>foo@</c> or <c>a@b@c</c> are valid).
    /// </summary>
    /// <param name="key">The key to check.</param>
    public static bool IsValidKey(ReadOnlySpan<char> key) =>
        key.Length is >= 1 and <= 256
        && (IsLowerAlpha(key[0]) || char.IsAsciiDigit(key[0]))
        && AllKeyChars(key[1..]);

    /// <summary>Whether <paramref name="value"/> is a W3C value: 1 to 256 printable ASCII characters except ',' and '=', not ending in a space.</summary>
    /// <param name="value">The value to check.</param>
    public static bool IsValidValue(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > MaxValueLength || value[^1] == ' ')
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c < 0x20 || c > 0x7E || c == ',' || c == '=')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLowerAlpha(char c) => c is >= 'a' and <= 'z';

    private static bool AllKeyChars(ReadOnlySpan<char> chars)
    {
        foreach (char c in chars)
        {
            if (!(IsLowerAlpha(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '*' or '/' or '@'))
            {
                return false;
            }
        }

        return true;
    }
}

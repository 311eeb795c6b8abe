using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Unicode;

// Why one file of ~460 lines: the W3C Baggage format both ways — the member grammar, percent-decoding and -encoding,
// properties, the 64-member / 8192-byte limits and the vectorized character classes that make it allocation-light —
// is one specification; its parser and writer share the character tables and limits.

namespace Tracing.Sdk.Propagation;

/// <summary>
/// W3C Baggage: the <c>baggage</c> header.
/// <para>
/// Extraction decodes percent-encoded values (a value whose bytes are not valid UTF-8 skips its member), keeps each
/// member's properties verbatim as <see cref="BaggageMember.Metadata"/>, trims optional white space, and skips invalid
/// members without losing the valid ones. At most 64 members and the first 8192 characters of the header are read;
/// anything beyond is dropped, never partially. Extracted members are merged into the incoming context's baggage
/// (an extracted name replaces an earlier value); a repeated name keeps its last value.
/// </para>
/// <para>
/// Injection percent-encodes every value character outside the W3C <c>baggage-octet</c> range (and <c>%</c>) as
/// UTF-8, skips members whose name is not an HTTP token, and stops at 64 members and 8192 characters, dropping whole
/// members only.
/// </para>
/// </summary>
public sealed class BaggagePropagator : TextMapPropagator
{
    /// <summary>The <c>baggage</c> header name.</summary>
    public const string BaggageHeader = "baggage";

    /// <summary>The most bytes of a <c>baggage</c> header read or written (W3C's limit).</summary>
    public const int MaxHeaderLength = 8192;

    private static readonly IReadOnlyCollection<string> s_fields = Array.AsReadOnly([BaggageHeader]);

    // RFC 9110 token characters.
    private static readonly SearchValues<char> s_tokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // W3C baggage-octet: 0x21, 0x23-0x2B, 0x2D-0x3A, 0x3C-0x5B, 0x5D-0x7E ('%' included: it starts an escape).
    private static readonly SearchValues<char> s_valueOctets = SearchValues.Create(
        "!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    // What injection writes unencoded: the baggage octets except '%'.
    private static readonly SearchValues<char> s_plainOctets = SearchValues.Create(
        "!#$&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>The shared instance; the propagator is stateless.</summary>
    public static BaggagePropagator Instance { get; } = new();

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Fields => s_fields;

    /// <inheritdoc/>
    public override void Inject<TCarrier>(in PropagationContext context, TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        if (context.Baggage is not { Count: > 0 } baggage || setter is null)
        {
            return;
        }

        // Baggage is immutable and usually injected into every outgoing call of a request: serialize it once.
        string? header = baggage.W3CHeader;
        if (header is null)
        {
            // Measure, then write straight into the header string: no intermediate buffer.
            int length = Serialize(baggage.Members, default, measureOnly: true);
            header = length == 0 ? string.Empty : string.Create(length, baggage, static (chars, b) => Serialize(b.Members, chars, measureOnly: false));
            baggage.W3CHeader = header;
        }

        if (header.Length > 0)
        {
            setter(carrier, BaggageHeader, header);
        }
    }

    /// <inheritdoc/>
    public override PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter)
    {
        if (getter is null || getter(carrier, BaggageHeader) is not { Length: > 0 } header)
        {
            return context;
        }

        var extracted = Parse(header);
        if (extracted is null)
        {
            return context;
        }

        Baggage merged;
        if (context.Baggage is not { Count: > 0 } earlier)
        {
            merged = Baggage.FromValidatedMembers(extracted);
        }
        else
        {
            merged = earlier;
            foreach (var m in extracted)
            {
                merged = merged.SetItem(m.Name, m.Value, m.Metadata);
            }
        }

        return new PropagationContext(context.SpanContext, merged);
    }

    /// <summary>Parses a header into validated members (unique names, at most 64); null when none is valid.</summary>
    internal static BaggageMember[]? Parse(ReadOnlySpan<char> header)
    {
        // A header within the W3C limit is at most 8192 characters; what lies beyond is never looked at, so hostile
        // input costs a bounded scan. A member cut by the boundary is dropped below because it cannot be checked.
        bool cut = header.Length > MaxHeaderLength;
        if (cut)
        {
            header = header[..MaxHeaderLength];
        }

        int capacity = Math.Min(Baggage.MaxMembers, header.Count(',') + 1);
        BaggageMember[]? members = null;
        int count = 0;
        int start = 0;
        while (start <= header.Length && count < Baggage.MaxMembers)
        {
            int comma = header[start..].IndexOf(',');
            int end = comma < 0 ? header.Length : start + comma;
            if (!(comma < 0 && cut) && TryParseMember(header[start..end], out var member))
            {
                members ??= new BaggageMember[capacity];
                int existing = IndexOf(members.AsSpan(0, count), member.Name);
                if (existing >= 0)
                {
                    members[existing] = member;
                }
                else
                {
                    members[count++] = member;
                }
            }

            if (comma < 0)
            {
                break;
            }

            start = end + 1;
        }

        if (members is null)
        {
            return null;
        }

        if (count < members.Length)
        {
            Array.Resize(ref members, count);
        }

        return members;
    }

    private static int IndexOf(ReadOnlySpan<BaggageMember> members, string name)
    {
        for (int i = 0; i < members.Length; i++)
        {
            if (string.Equals(members[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary><c>key OWS "=" OWS value *( OWS ";" OWS property )</c>; false for anything else.</summary>
    private static bool TryParseMember(ReadOnlySpan<char> text, out BaggageMember member)
    {
        member = default;
        ReadOnlySpan<char> properties = default;
        bool hasProperties = false;
        int semicolon = text.IndexOf(';');
        if (semicolon >= 0)
        {
            properties = text[(semicolon + 1)..].Trim(" \t");
            hasProperties = true;
            text = text[..semicolon];
        }

        int eq = text.IndexOf('=');
        if (eq < 0)
        {
            return false;
        }

        ReadOnlySpan<char> key = text[..eq].Trim(" \t");
        ReadOnlySpan<char> rawValue = text[(eq + 1)..].Trim(" \t");
        if (!IsToken(key) || !AreValueOctets(rawValue))
        {
            return false;
        }

        string? metadata = null;
        if (hasProperties && !properties.IsEmpty)
        {
            if (!AreValidProperties(properties))
            {
                return false;
            }

            metadata = properties.ToString();
        }

        if (!TryPercentDecode(rawValue, out string? value))
        {
            return false;
        }

        member = new BaggageMember(key.ToString(), value, metadata);
        return true;
    }

    /// <summary>Properties after the first ';': each <c>key</c> or <c>key=value</c>, separated by ';'.</summary>
    internal static bool AreValidProperties(ReadOnlySpan<char> properties)
    {
        foreach (var range in properties.Split(';'))
        {
            var p = properties[range].Trim(" \t");
            int eq = p.IndexOf('=');
            if (eq < 0)
            {
                if (!IsToken(p))
                {
                    return false;
                }
            }
            else if (!IsToken(p[..eq].Trim(" \t")) || !AreValueOctets(p[(eq + 1)..].Trim(" \t")))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An RFC 9110 token: one or more of <c>!#$%&amp;'*+-.^_`|~</c>, digits and letters.</summary>
    internal static bool IsToken(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExcept(s_tokenChars);

    /// <summary>W3C <c>baggage-octet</c>s: printable US-ASCII except space, '"', ',', ';' and '\\'.</summary>
    private static bool AreValueOctets(ReadOnlySpan<char> s) => !s.ContainsAnyExcept(s_valueOctets);

    /// <summary>Decodes %XX escapes; false for a malformed escape or bytes that are not valid UTF-8.</summary>
    internal static bool TryPercentDecode(ReadOnlySpan<char> raw, out string value)
    {
        int percent = raw.IndexOf('%');
        if (percent < 0)
        {
            value = raw.ToString();
            return true;
        }

        value = string.Empty;
        byte[]? rented = null;
        Span<byte> bytes = raw.Length <= 512 ? stackalloc byte[raw.Length] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            int n = 0;
            for (int i = 0; i < raw.Length; i++)
            {
                char c = raw[i];
                if (c != '%')
                {
                    bytes[n++] = (byte)c; // the caller checked that every character is ASCII
                    continue;
                }

                if (i + 2 >= raw.Length)
                {
                    return false;
                }

                int hi = Hex.AnyDigit(raw[i + 1]);
                int lo = Hex.AnyDigit(raw[i + 2]);
                if (hi < 0 || lo < 0)
                {
                    return false;
                }

                bytes[n++] = (byte)((hi << 4) | lo);
                i += 2;
            }

            var utf8 = bytes[..n];
            char[]? rentedChars = null;
            Span<char> chars = n <= 512 ? stackalloc char[n] : (rentedChars = ArrayPool<char>.Shared.Rent(n));
            try
            {
                if (Utf8.ToUtf16(utf8, chars, out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
                {
                    return false;
                }

                value = chars[..written].ToString();
                return true;
            }
            finally
            {
                if (rentedChars is not null)
                {
                    ArrayPool<char>.Shared.Return(rentedChars);
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Writes the header value into <paramref name="destination"/> (unless only measuring) and returns its length
    /// (0 when no member qualifies). Which members go in depends only on the members, so measuring and writing agree.
    /// </summary>
    internal static int Serialize(ReadOnlySpan<BaggageMember> members, Span<char> destination, bool measureOnly)
    {
        int length = 0;
        int written = 0;
        foreach (var m in members)
        {
            if (written == Baggage.MaxMembers)
            {
                break;
            }

            if (!IsToken(m.Name))
            {
                continue;
            }

            bool withMetadata = m.Metadata is { Length: > 0 } md && AreValidProperties(md);
            int need = (length > 0 ? 1 : 0) + m.Name.Length + 1 + EncodedLength(m.Value) + (withMetadata ? 1 + m.Metadata!.Length : 0);
            if (need > MaxHeaderLength - length)
            {
                continue; // whole members only: a member that does not fit is dropped, a later smaller one may still fit
            }

            if (measureOnly)
            {
                length += need;
                written++;
                continue;
            }

            if (length > 0)
            {
                destination[length++] = ',';
            }

            m.Name.AsSpan().CopyTo(destination[length..]);
            length += m.Name.Length;
            destination[length++] = '=';
            length += Encode(m.Value, destination[length..]);
            if (withMetadata)
            {
                destination[length++] = ';';
                m.Metadata.AsSpan().CopyTo(destination[length..]);
                length += m.Metadata!.Length;
            }

            written++;
        }

        return length;
    }

    /// <summary>The length of <paramref name="value"/> percent-encoded as UTF-8 (a lone surrogate becomes U+FFFD).</summary>
    private static int EncodedLength(ReadOnlySpan<char> value)
    {
        int first = value.IndexOfAnyExcept(s_plainOctets);
        if (first < 0)
        {
            return value.Length;
        }

        int length = first;
        for (int i = first; i < value.Length; i++)
        {
            char c = value[i];
            if (c < 0x80)
            {
                length += s_plainOctets.Contains(c) ? 1 : 3;
            }
            else if (c < 0x800)
            {
                length += 6;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                length += 12;
                i++;
            }
            else
            {
                length += 9;
            }
        }

        return length;
    }

    private static int Encode(ReadOnlySpan<char> value, Span<char> destination)
    {
        int first = value.IndexOfAnyExcept(s_plainOctets);
        if (first < 0)
        {
            value.CopyTo(destination);
            return value.Length;
        }

        // The plain prefix is copied as is; the rest character by character, non-ASCII as UTF-8 bytes.
        value[..first].CopyTo(destination);
        int n = first;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = first; i < value.Length; i++)
        {
            char c = value[i];
            if (c < 0x80)
            {
                if (s_plainOctets.Contains(c))
                {
                    destination[n++] = c;
                }
                else
                {
                    n = WriteEscape((byte)c, destination, n);
                }

                continue;
            }

            Rune.DecodeFromUtf16(value[i..], out var rune, out int consumed); // a lone surrogate decodes as U+FFFD
            i += consumed - 1;
            int count = rune.EncodeToUtf8(utf8);
            for (int k = 0; k < count; k++)
            {
                n = WriteEscape(utf8[k], destination, n);
            }
        }

        return n;
    }

    private static int WriteEscape(byte b, Span<char> destination, int n)
    {
        destination[n] = '%';
        destination[n + 1] = HexChar(b >> 4);
        destination[n + 2] = HexChar(b & 0xF);
        return n + 3;
    }

    private static char HexChar(int v) => (char)(v < 10 ? '0' + v : 'A' + v - 10);
}

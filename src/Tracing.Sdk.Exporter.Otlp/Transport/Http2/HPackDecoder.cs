using System;
using System.Collections.Generic;
using System.Text;

namespace Tracing.Sdk.Exporter.Otlp.Transport.Http2;

/// <summary>
/// An HPACK (RFC 7541) header-block decoder: static and dynamic tables, integer and string literals, Huffman strings.
/// One per connection (the dynamic table is connection state). Malformed input throws <see cref="Http2Exception"/>,
/// which the connection treats as a COMPRESSION_ERROR: it is closed, never trusted again.
/// </summary>
internal sealed class HPackDecoder
{
    private const int MaxHeaderListBytes = 64 * 1024;

    private static readonly (string Name, string Value)[] s_static =
    [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"),
        (":path", "/index.html"), (":scheme", "http"), (":scheme", "https"), (":status", "200"),
        (":status", "204"), (":status", "206"), (":status", "304"), (":status", "400"),
        (":status", "404"), (":status", "500"), ("accept-charset", ""), ("accept-encoding", "gzip, deflate"),
        ("accept-language", ""), ("accept-ranges", ""), ("accept", ""), ("access-control-allow-origin", ""),
        ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""),
        ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""),
        ("from", ""), ("host", ""), ("if-match", ""), ("if-modified-since", ""),
        ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""), ("last-modified", ""),
        ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
        ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""),
        ("retry-after", ""), ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""),
        ("transfer-encoding", ""), ("user-agent", ""), ("vary", ""), ("via", ""),
        ("www-authenticate", ""),
    ];

    // Newest entry first (index 62 is _dynamic[0]).
    private readonly List<(string Name, string Value)> _dynamic = [];
    private readonly int _maxTableSize;
    private int _tableLimit;
    private int _tableSize;

    /// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE we announced (the encoder may use up to this).</param>
    public HPackDecoder(int maxTableSize)
    {
        _maxTableSize = maxTableSize;
        _tableLimit = maxTableSize;
    }

    /// <summary>Decodes one complete header block, adding each field to <paramref name="fields"/>.</summary>
    public void Decode(ReadOnlySpan<byte> block, List<(string Name, string Value)> fields)
    {
        int listBytes = 0;
        bool fieldSeen = false;
        while (!block.IsEmpty)
        {
            byte b = block[0];
            (string Name, string Value) field;
            if ((b & 0x80) != 0)
            {
                field = Entry(ReadInteger(ref block, 7));
            }
            else if ((b & 0x40) != 0)
            {
                field = ReadLiteral(ref block, 6);
                Add(field);
            }
            else if ((b & 0x20) != 0)
            {
                // A table size update may only open a block (RFC 7541 §4.2).
                if (fieldSeen)
                {
                    throw new Http2Exception("HPACK: table size update after a header field");
                }

                int limit = ReadInteger(ref block, 5);
                if (limit > _maxTableSize)
                {
                    throw new Http2Exception("HPACK: table size update above the announced limit");
                }

                _tableLimit = limit;
                Evict(0);
                continue;
            }
            else
            {
                // Literal without indexing (0000) or never indexed (0001): both 4-bit prefixes.
                field = ReadLiteral(ref block, 4);
            }

            fieldSeen = true;
            listBytes += field.Name.Length + field.Value.Length + 32;
            if (listBytes > MaxHeaderListBytes)
            {
                throw new Http2Exception("HPACK: header list too large");
            }

            fields.Add(field);
        }
    }

    /// <summary>Reads an HPACK integer with an <paramref name="prefixBits"/>-bit prefix (RFC 7541 §5.1).</summary>
    internal static int ReadInteger(ref ReadOnlySpan<byte> input, int prefixBits)
    {
        if (input.IsEmpty)
        {
            throw new Http2Exception("HPACK: truncated integer");
        }

        int max = (1 << prefixBits) - 1;
        int value = input[0] & max;
        input = input[1..];
        if (value < max)
        {
            return value;
        }

        for (int shift = 0; ; shift += 7)
        {
            if (input.IsEmpty || shift > 21)
            {
                throw new Http2Exception("HPACK: truncated or oversized integer");
            }

            byte b = input[0];
            input = input[1..];
            value += (b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private (string Name, string Value) ReadLiteral(ref ReadOnlySpan<byte> block, int prefixBits)
    {
        int index = ReadInteger(ref block, prefixBits);
        string name = index == 0 ? ReadString(ref block) : Entry(index).Name;
        return (name, ReadString(ref block));
    }

    private static string ReadString(ref ReadOnlySpan<byte> block)
    {
        if (block.IsEmpty)
        {
            throw new Http2Exception("HPACK: truncated string");
        }

        bool huffman = (block[0] & 0x80) != 0;
        int length = ReadInteger(ref block, 7);
        if (length > block.Length)
        {
            throw new Http2Exception("HPACK: string longer than the block");
        }

        var raw = block[..length];
        block = block[length..];
        return huffman ? Huffman.Decode(raw) : Encoding.Latin1.GetString(raw);
    }

    private (string Name, string Value) Entry(int index)
    {
        if (index >= 1 && index <= s_static.Length)
        {
            return s_static[index - 1];
        }

        int d = index - s_static.Length - 1;
        if (index <= 0 || d >= _dynamic.Count)
        {
            throw new Http2Exception("HPACK: index outside the tables");
        }

        return _dynamic[d];
    }

    private void Add((string Name, string Value) field)
    {
        // Entry size: octets of name and value plus 32 (RFC 7541 §4.1). An entry larger than the table empties it.
        int size = field.Name.Length + field.Value.Length + 32;
        Evict(Math.Max(0, _tableLimit - size));
        if (size <= _tableLimit)
        {
            _dynamic.Insert(0, field);
            _tableSize += size;
        }
    }

    /// <summary>Drops the oldest entries until the table holds at most <paramref name="room"/> (and fits the limit).</summary>
    private void Evict(int room)
    {
        int target = Math.Min(room, _tableLimit);
        while (_tableSize > target && _dynamic.Count > 0)
        {
            var last = _dynamic[^1];
            _tableSize -= last.Name.Length + last.Value.Length + 32;
            _dynamic.RemoveAt(_dynamic.Count - 1);
        }
    }
}

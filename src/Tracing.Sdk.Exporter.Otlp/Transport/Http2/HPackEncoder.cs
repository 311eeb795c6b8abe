using System;
using System.Collections.Generic;
using System.Text;

namespace Tracing.Sdk.Exporter.Otlp.Transport.Http2;

/// <summary>
/// Encodes a request's header block (RFC 7541) without touching the peer's dynamic table: indexed static entries where
/// a whole field is in the static table, otherwise literals without indexing (static name index when there is one),
/// no Huffman. The block of an export request never changes, so it is encoded once per transport.
/// </summary>
internal static class HPackEncoder
{
    public static byte[] Encode(string scheme, string authority, string path, IEnumerable<(string Name, string Value)> headers)
    {
        var block = new List<byte>(256)
        {
            0x83, // :method POST (static 3)
            scheme == "https" ? (byte)0x87 : (byte)0x86, // :scheme (static 7 / 6)
        };
        Literal(block, 4, null, path);        // :path
        Literal(block, 1, null, authority);   // :authority
        foreach (var (name, value) in headers)
        {
            Literal(block, name == "content-type" ? 31 : 0, name, value);
        }

        return [.. block];
    }

    private static void Literal(List<byte> block, int nameIndex, string? name, string value)
    {
        // 0000xxxx: literal header field without indexing, 4-bit name index prefix (0: the name follows).
        Integer(block, 0x00, 4, nameIndex);
        if (nameIndex == 0)
        {
            String(block, name!);
        }

        String(block, value);
    }

    private static void String(List<byte> block, string text)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text);
        Integer(block, 0x00, 7, bytes.Length);
        block.AddRange(bytes);
    }

    /// <summary>An HPACK integer (RFC 7541 §5.1) with <paramref name="prefixBits"/> bits in the first byte.</summary>
    internal static void Integer(List<byte> block, byte pattern, int prefixBits, int value)
    {
        int max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.Add((byte)(pattern | value));
            return;
        }

        block.Add((byte)(pattern | max));
        value -= max;
        while (value >= 0x80)
        {
            block.Add((byte)((value & 0x7f) | 0x80));
            value >>= 7;
        }

        block.Add((byte)value);
    }
}

using System;
using System.Text;

namespace Tracing.Sdk.Exporter.Otlp.Transport.Http2;

/// <summary>
/// Decodes HPACK's Huffman-coded strings (RFC 7541 §5.2, Appendix B). The code is canonical: it is fully determined by
/// each symbol's code length (codes of one length are consecutive, in symbol order, after all shorter codes), so only
/// the 257 lengths of Appendix B are stored and the decoding tables are derived from them.
/// </summary>
internal static class Huffman
{
    // Code length in bits of symbols 0..255 and EOS (256), from RFC 7541 Appendix B.
    private static readonly byte[] s_lengths =
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    ];

    private const int MaxLength = 30;
    private const int Eos = 256;

    // For each length L: the first code of that length, how many codes have it, and where they start in s_symbols.
    private static readonly uint[] s_firstCode = new uint[MaxLength + 2];
    private static readonly int[] s_count = new int[MaxLength + 2];
    private static readonly int[] s_firstIndex = new int[MaxLength + 2];
    private static readonly int[] s_symbols = new int[257];

    static Huffman()
    {
        foreach (byte length in s_lengths)
        {
            s_count[length]++;
        }

        uint code = 0;
        int index = 0;
        for (int length = 1; length <= MaxLength; length++)
        {
            s_firstCode[length] = code;
            s_firstIndex[length] = index;
            index += s_count[length];
            code = (uint)((code + s_count[length]) << 1);
        }

        var next = (int[])s_firstIndex.Clone();
        for (int symbol = 0; symbol < s_lengths.Length; symbol++)
        {
            s_symbols[next[s_lengths[symbol]]++] = symbol;
        }
    }

    /// <summary>Decodes <paramref name="input"/>; throws <see cref="Http2Exception"/> on EOS, bad padding or a code that does not exist.</summary>
    public static string Decode(ReadOnlySpan<byte> input)
    {
        var output = new StringBuilder(input.Length * 8 / 5);
        uint code = 0;
        int length = 0;
        foreach (byte b in input)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                code = (code << 1) | (uint)((b >> bit) & 1);
                length++;
                uint offset = code - s_firstCode[length];
                if (offset < (uint)s_count[length])
                {
                    int symbol = s_symbols[s_firstIndex[length] + (int)offset];
                    if (symbol == Eos)
                    {
                        throw new Http2Exception("HPACK: EOS inside a Huffman string");
                    }

                    output.Append((char)symbol);
                    code = 0;
                    length = 0;
                }
                else if (length == MaxLength)
                {
                    throw new Http2Exception("HPACK: invalid Huffman code");
                }
            }
        }

        // Padding: fewer than 8 bits, all ones (the most significant bits of EOS).
        if (length > 7 || code != (1u << length) - 1)
        {
            throw new Http2Exception("HPACK: invalid Huffman padding");
        }

        return output.ToString();
    }
}

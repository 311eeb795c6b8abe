using System;
using System.Buffers;

namespace Tracing.Sdk.TestSupport.Otlp;

/// <summary>
/// Counts the spans of an <c>ExportTraceServiceRequest</c> by walking the protobuf wire format
/// (resource_spans = 1 / scope_spans = 2 / spans = 2), without materialising a message: the counting receiver's
/// cost is the same for every exporter that sends it the same spans.
/// </summary>
public static class OtlpWire
{
    /// <summary>The number of spans in <paramref name="request"/>; a malformed request counts what was read before the fault.</summary>
    /// <param name="request">A serialized <c>ExportTraceServiceRequest</c>.</param>
    public static int CountSpans(ReadOnlySpan<byte> request)
    {
        int count = 0;
        try
        {
            int offset = 0;
            while (NextField(request, ref offset, out int field, out bool delimited, out var resourceSpans))
            {
                if (field != 1 || !delimited)
                {
                    continue;
                }

                int rsOffset = 0;
                while (NextField(resourceSpans, ref rsOffset, out int f2, out bool d2, out var scopeSpans))
                {
                    if (f2 != 2 || !d2)
                    {
                        continue;
                    }

                    int ssOffset = 0;
                    while (NextField(scopeSpans, ref ssOffset, out int f3, out bool d3, out _))
                    {
                        if (f3 == 2 && d3)
                        {
                            count++;
                        }
                    }
                }
            }
        }
        catch (FormatException)
        {
        }

        return count;
    }

    /// <summary>Like <see cref="CountSpans(ReadOnlySpan{byte})"/> over a possibly multi-segment body (copied to a pooled buffer only then).</summary>
    /// <param name="request">A serialized <c>ExportTraceServiceRequest</c>.</param>
    public static int CountSpans(in ReadOnlySequence<byte> request)
    {
        if (request.IsSingleSegment)
        {
            return CountSpans(request.FirstSpan);
        }

        int length = checked((int)request.Length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            request.CopyTo(buffer);
            return CountSpans(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads one field at <paramref name="offset"/>; a length-delimited field's payload is returned in <paramref name="payload"/>.</summary>
    private static bool NextField(ReadOnlySpan<byte> data, ref int offset, out int field, out bool delimited, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        delimited = false;
        field = 0;
        if (offset >= data.Length)
        {
            return false;
        }

        ulong tag = ReadVarint(data, ref offset);
        field = (int)(tag >> 3);
        switch ((int)(tag & 7))
        {
            case 0:
                ReadVarint(data, ref offset);
                break;
            case 1:
                offset += 8;
                break;
            case 2:
                ulong length = ReadVarint(data, ref offset);
                if (length > (ulong)(data.Length - offset))
                {
                    throw new FormatException("truncated field");
                }

                payload = data.Slice(offset, (int)length);
                delimited = true;
                offset += (int)length;
                break;
            case 5:
                offset += 4;
                break;
            default:
                throw new FormatException("unsupported wire type");
        }

        if (offset > data.Length)
        {
            throw new FormatException("truncated field");
        }

        return true;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int offset)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (offset >= data.Length)
            {
                throw new FormatException("truncated varint");
            }

            byte b = data[offset++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException("varint too long");
    }
}

using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// Writes protobuf wire format into a span whose size was computed beforehand, so nothing is copied or resized.
/// Invariant: the caller sized the destination with <see cref="ProtobufSize"/> for exactly what it writes.
/// </summary>
internal ref struct ProtobufWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public ProtobufWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_position++] = (byte)value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTag(int field, WireType type) => WriteVarint((uint)(field << 3) | (uint)type);

    public void WriteVarintField(int field, ulong value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint(value);
    }

    public void WriteFixed64Field(int field, ulong value)
    {
        WriteTag(field, WireType.Fixed64);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteFixed32Field(int field, uint value)
    {
        WriteTag(field, WireType.Fixed32);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_position..], value);
        _position += 4;
    }

    /// <summary>Writes the tag and length of a nested message; its body follows.</summary>
    public void WriteMessageHeader(int field, int length)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((uint)length);
    }

    public void WriteStringField(int field, string value)
    {
        WriteTag(field, WireType.LengthDelimited);

        // At most 3 UTF-8 bytes per UTF-16 char: up to 42 chars the length fits one varint byte, so encode straight
        // after it and fill it in, without counting the bytes first.
        if (value.Length <= 42)
        {
            int written = Encoding.UTF8.GetBytes(value, _buffer[(_position + 1)..]);
            _buffer[_position] = (byte)written;
            _position += 1 + written;
            return;
        }

        int length = Encoding.UTF8.GetByteCount(value);
        WriteVarint((uint)length);
        _position += Encoding.UTF8.GetBytes(value, _buffer[_position..]);
    }

    public void WriteTraceIdField(int field, TraceId id)
    {
        WriteMessageHeader(field, 16);
        id.CopyTo(_buffer[_position..]);
        _position += 16;
    }

    public void WriteSpanIdField(int field, SpanId id)
    {
        WriteMessageHeader(field, 8);
        id.CopyTo(_buffer[_position..]);
        _position += 8;
    }
}

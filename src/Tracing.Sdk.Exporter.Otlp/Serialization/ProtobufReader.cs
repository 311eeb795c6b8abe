using System;
using System.Buffers.Binary;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// Reads the few small messages the exporter receives (the export response, <c>google.rpc.Status</c>,
/// <c>google.rpc.RetryInfo</c>). Malformed input ends the read (<see cref="TryReadTag"/> returns false); it never throws.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private bool _failed;

    public ProtobufReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        _failed = false;
    }

    public bool TryReadTag(out int field, out WireType type)
    {
        field = 0;
        type = default;
        if (_failed || _position >= _data.Length || !TryReadVarint(out ulong tag))
        {
            return false;
        }

        field = (int)(tag >> 3);
        type = (WireType)(tag & 7);
        return field > 0;
    }

    public ulong ReadVarint() => TryReadVarint(out ulong v) ? v : 0;

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (_failed || length > (ulong)(_data.Length - _position))
        {
            _failed = true;
            return default;
        }

        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    public void Skip(WireType type)
    {
        switch (type)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Advance(8);
                break;
            case WireType.Fixed32:
                Advance(4);
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            default:
                _failed = true;
                break;
        }
    }

    public ulong ReadFixed64()
    {
        if (_data.Length - _position < 8)
        {
            _failed = true;
            return 0;
        }

        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
        _position += 8;
        return v;
    }

    private void Advance(int count)
    {
        if (_data.Length - _position < count)
        {
            _failed = true;
            return;
        }

        _position += count;
    }

    private bool TryReadVarint(out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                _failed = true;
                return false;
            }

            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        _failed = true;
        return false;
    }
}

using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// Writes protobuf wire format in one pass into an <see cref="ExportBuffer"/>'s array, growing it when a write needs
/// more room. A nested message's length is not known before its body is written, so <see cref="BeginMessage"/>
/// reserves the bytes its length usually takes and <see cref="EndMessage"/> writes the length there, moving the body
/// when the guess was wrong: the output is the canonical (minimal-varint) encoding, byte for byte what a two-pass
/// writer produces.
/// </summary>
/// <remarks>
/// Invariant: every write first makes sure, with <see cref="Ensure"/>, that the array has room for all it writes, so
/// the byte stores below go through an unchecked reference. A string's room is bounded once, before it is encoded:
/// UTF-8 takes at most 3 bytes per UTF-16 char.
/// </remarks>
internal ref struct ProtobufWriter
{
    // Tags of the fields written here are 1 or 2 bytes (fields below 2048); a length varint of an int is at most 5.
    private const int MaxHeader = 2 + 5;

    private readonly ExportBuffer _owner;
    private Span<byte> _buffer;
    private int _position;

    /// <summary>A writer of a message that starts <paramref name="headroom"/> bytes into <paramref name="owner"/>'s array.</summary>
    public ProtobufWriter(ExportBuffer owner, int headroom = 0)
    {
        _owner = owner;
        _buffer = owner.ResetWithHeadroom(headroom);
        _position = headroom;
    }

    /// <summary>The index of the next byte in the array (the headroom included).</summary>
    public readonly int Position => _position;

    /// <summary>The number of bytes the varint of <paramref name="value"/> takes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarintSize(uint value) => (BitOperations.Log2(value | 1) / 7) + 1;

    /// <summary>Makes room for at least <paramref name="count"/> more bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ensure(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            Grow(count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTag(int field, WireType type)
    {
        Ensure(2);
        PutTag(field, type);
    }

    public void WriteVarintField(int field, ulong value)
    {
        Ensure(2 + 10);
        PutTag(field, WireType.Varint);
        PutVarint(value);
    }

    public void WriteFixed64Field(int field, ulong value)
    {
        Ensure(2 + 8);
        PutTag(field, WireType.Fixed64);
        Unsafe.WriteUnaligned(ref At(_position), BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));
        _position += 8;
    }

    public void WriteFixed32Field(int field, uint value)
    {
        Ensure(2 + 4);
        PutTag(field, WireType.Fixed32);
        Unsafe.WriteUnaligned(ref At(_position), BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));
        _position += 4;
    }

    /// <summary>
    /// Writes the tag of a nested message and reserves <paramref name="reserve"/> bytes (1 to 5) for its length;
    /// returns where the body starts, for <see cref="EndMessage"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int BeginMessage(int field, int reserve)
    {
        Ensure(MaxHeader);
        PutTag(field, WireType.LengthDelimited);
        _position += reserve;
        return _position;
    }

    /// <summary>
    /// Writes the length of the message begun at <paramref name="start"/> with <paramref name="reserve"/> bytes
    /// reserved; returns the bytes the length took, a good reservation for the next message of the same kind.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int EndMessage(int start, int reserve)
    {
        uint length = (uint)(_position - start);
        int size = VarintSize(length);
        if (size != reserve)
        {
            MoveBody(start, reserve, size);
        }

        PutVarintAt(start - reserve, length);
        return size;
    }

    /// <summary>Writes a string field, its UTF-8 encoded straight into the buffer (no counting pass).</summary>
    public void WriteStringField(int field, string value)
    {
        int chars = value.Length;

        // At most 3 UTF-8 bytes per char: up to 42 chars the length fits the one byte reserved for it.
        if (chars <= 42)
        {
            Ensure(3 + (3 * 42));
            PutTag(field, WireType.LengthDelimited);
            int written = EncodeUtf8(value, _position + 1);
            At(_position) = (byte)written;
            _position += 1 + written;
            return;
        }

        long bound = MaxHeader + (3L * chars);
        if (bound > int.MaxValue)
        {
            WriteCountedString(field, value);
            return;
        }

        Ensure((int)bound);

        // The length is at least one byte per char: reserve that varint's width; non-ASCII text that crosses to the
        // next width moves the bytes once.
        int reserve = VarintSize((uint)chars);
        int start = BeginMessage(field, reserve);
        _position += EncodeUtf8(value, start);
        EndMessage(start, reserve);
    }

    public void WriteTraceIdField(int field, TraceId id)
    {
        Ensure(2 + 16);
        PutTag(field, WireType.LengthDelimited);
        At(_position) = 16;
        id.CopyTo(_buffer.Slice(_position + 1, 16));
        _position += 17;
    }

    public void WriteSpanIdField(int field, SpanId id)
    {
        Ensure(2 + 8);
        PutTag(field, WireType.LengthDelimited);
        At(_position) = 8;
        id.CopyTo(_buffer.Slice(_position + 1, 8));
        _position += 9;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ref byte At(int index) => ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), (nint)(uint)index);

    // With a constant field and type (every call here) the branch folds away.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PutTag(int field, WireType type)
    {
        uint tag = ((uint)field << 3) | (uint)type;
        if (tag < 0x80)
        {
            At(_position++) = (byte)tag;
        }
        else
        {
            At(_position) = (byte)(tag | 0x80);
            At(_position + 1) = (byte)(tag >> 7);
            _position += 2;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PutVarint(ulong value)
    {
        while (value >= 0x80)
        {
            At(_position++) = (byte)(value | 0x80);
            value >>= 7;
        }

        At(_position++) = (byte)value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void PutVarintAt(int index, uint value)
    {
        while (value >= 0x80)
        {
            At(index++) = (byte)(value | 0x80);
            value >>= 7;
        }

        At(index) = (byte)value;
    }

    // Replacement of lone surrogates (U+FFFD), as Encoding.UTF8 does; the destination has room for 3 bytes per char.
    private readonly int EncodeUtf8(string value, int index)
    {
        Utf8.FromUtf16(value, _buffer[index..], out _, out int written);
        return written;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MoveBody(int start, int reserve, int size)
    {
        int length = _position - start;
        if (size > reserve)
        {
            Ensure(size - reserve);
        }

        // Span.CopyTo is a memmove: overlapping ranges are copied correctly in either direction.
        _buffer.Slice(start, length).CopyTo(_buffer[(start - reserve + size)..]);
        _position += size - reserve;
    }

    // A string too long for the 3-bytes-per-char bound to fit an int: count its bytes, then make room for exactly them.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteCountedString(int field, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Ensure(checked(MaxHeader + length));
        PutTag(field, WireType.LengthDelimited);
        PutVarint((uint)length);
        _position += EncodeUtf8(value, _position);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int count) => _buffer = _owner.Grow(_position, count);
}

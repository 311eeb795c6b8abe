using System;
using System.Buffers;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// The bytes of one export request, in an array rented from <see cref="ArrayPool{T}.Shared"/> and kept between
/// exports (exports never overlap), so a steady stream of similar batches rents nothing new. The message may start
/// after a few free bytes (<see cref="Start"/>), where a transport writes its framing (the gRPC length prefix) so that
/// frame and message go out as one contiguous write.
/// </summary>
internal sealed class ExportBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _start;
    private int _length;

    /// <summary>The length of the message (the free bytes before it excluded).</summary>
    public int Length => _length;

    /// <summary>Where the message starts in <see cref="Array"/>: the bytes before it are free for a transport's framing.</summary>
    public int Start => _start;

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(_start, _length);

    public ReadOnlySpan<byte> Span => _array.AsSpan(_start, _length);

    public byte[] Array => _array;

    /// <summary>Empties the buffer and returns room for at least <paramref name="sizeHint"/> bytes.</summary>
    public Span<byte> Reset(int sizeHint)
    {
        _start = 0;
        _length = 0;
        return GetSpan(sizeHint);
    }

    /// <summary>
    /// Empties the buffer with <paramref name="headroom"/> free bytes before the message, and returns the whole array:
    /// a writer writes the message from index <paramref name="headroom"/> on, then <see cref="Advance"/>s by its length.
    /// </summary>
    public Span<byte> ResetWithHeadroom(int headroom)
    {
        _start = 0;
        _length = 0;
        Resize(0, (long)headroom + 256);
        _start = headroom;
        return _array;
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_start + _length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_start + _length);
    }

    /// <summary>Replaces the contents with <paramref name="bytes"/>.</summary>
    public void SetContents(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reset(bytes.Length));
        _length = bytes.Length;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        _start = 0;
        _length = 0;
    }

    /// <summary>
    /// Makes room for <paramref name="count"/> bytes after the first <paramref name="written"/>, which a writer filled
    /// through the span <see cref="Reset"/> returned and has not advanced yet; returns the whole (possibly new) array.
    /// </summary>
    public Span<byte> Grow(int written, int count)
    {
        Resize(written, (long)written + count);
        return _array;
    }

    private void Ensure(int sizeHint) => Resize(_start + _length, (long)_start + _length + Math.Max(sizeHint, 256));

    // Long arithmetic: a hostile size must fail here, cleanly, rather than wrap around and pass the check.
    private void Resize(int keep, long needed)
    {
        if (needed <= _array.Length)
        {
            return;
        }

        if (needed > System.Array.MaxLength)
        {
            throw new InvalidOperationException($"An export request cannot exceed {System.Array.MaxLength} bytes.");
        }

        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(System.Array.MaxLength, Math.Max(needed, 2L * _array.Length)));
        _array.AsSpan(0, keep).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }
}

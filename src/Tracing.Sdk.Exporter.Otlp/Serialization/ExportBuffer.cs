using System;
using System.Buffers;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// The bytes of one export request, in an array rented from <see cref="ArrayPool{T}.Shared"/> and kept between
/// exports (exports never overlap), so a steady stream of similar batches rents nothing new.
/// </summary>
internal sealed class ExportBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _length;

    public int Length => _length;

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

    public byte[] Array => _array;

    /// <summary>Empties the buffer and returns room for at least <paramref name="sizeHint"/> bytes.</summary>
    public Span<byte> Reset(int sizeHint)
    {
        _length = 0;
        return GetSpan(sizeHint);
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_length);
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

    private void Ensure(int sizeHint) => Resize(_length, (long)_length + Math.Max(sizeHint, 256));

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

using System;

namespace Tracing.Sdk.Exporting;

/// <summary>A batch of finished spans handed to an exporter. Valid only until <c>Export</c> returns.</summary>
public readonly struct SpanBatch
{
    private readonly SpanData[]? _items;
    private readonly int _count;

    /// <summary>Creates a batch over the first <paramref name="count"/> items of an array.</summary>
    /// <param name="items">The spans.</param>
    /// <param name="count">How many of them belong to the batch.</param>
    public SpanBatch(SpanData[] items, int count)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, items.Length);
        _items = items;
        _count = count;
    }

    /// <summary>The number of spans.</summary>
    public int Count => _count;

    /// <summary>The span at <paramref name="index"/>.</summary>
    /// <param name="index">The index.</param>
    public SpanData this[int index] => AsSpan()[index];

    /// <summary>The spans.</summary>
    public ReadOnlySpan<SpanData> AsSpan() => new(_items, 0, _count);

    /// <summary>Enumerates the spans without allocating.</summary>
    public ReadOnlySpan<SpanData>.Enumerator GetEnumerator() => AsSpan().GetEnumerator();
}

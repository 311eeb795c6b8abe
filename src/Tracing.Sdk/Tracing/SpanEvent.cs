using System;

namespace Tracing.Sdk;

/// <summary>A timestamped event recorded on a span, with its attributes.</summary>
public readonly struct SpanEvent
{
    private readonly KeyValue[]? _attributes;
    private readonly int _offset;
    private readonly int _count;

    internal SpanEvent(string name, long timestampUnixNano, KeyValue[]? attributes, int offset, int count, int droppedAttributeCount)
    {
        Name = name;
        TimestampUnixNano = timestampUnixNano;
        _attributes = attributes;
        _offset = offset;
        _count = count;
        DroppedAttributeCount = droppedAttributeCount;
    }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>When it happened, in nanoseconds since the Unix epoch.</summary>
    public long TimestampUnixNano { get; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset Timestamp => Clock.ToDateTimeOffset(TimestampUnixNano);

    /// <summary>The event's attributes.</summary>
    public ReadOnlySpan<KeyValue> Attributes => new(_attributes, _offset, _count);

    /// <summary>How many attributes were dropped by the limits.</summary>
    public int DroppedAttributeCount { get; }
}

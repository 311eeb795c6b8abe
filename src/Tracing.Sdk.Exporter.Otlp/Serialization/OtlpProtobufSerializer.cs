using System;
using Tracing.Sdk.Exporting;

// Why one file of ~490 lines: the OTLP trace protobuf written straight from span records, with the sizes computed
// first and the fields written in the field numbers' order (resource, scope, span, event, link, status). The size pass
// and the write pass must mirror each other exactly, so they sit side by side.

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// Writes an <c>ExportTraceServiceRequest</c> straight from span records, without message objects. Two passes over
/// the same traversal: the first computes every nested message's length (recorded in pre-order in <see cref="_sizes"/>),
/// the second writes, taking the lengths back in the same order. Not thread-safe: one instance per exporter.
/// </summary>
internal sealed class OtlpProtobufSerializer
{
    // ExportTraceServiceRequest
    private const int RequestResourceSpans = 1;

    // ResourceSpans / ScopeSpans
    private const int ResourceSpansResource = 1;
    private const int ResourceSpansScopeSpans = 2;
    private const int ScopeSpansScope = 1;
    private const int ScopeSpansSpans = 2;

    // Resource / InstrumentationScope
    private const int ResourceAttributes = 1;
    private const int ScopeName = 1;
    private const int ScopeVersion = 2;

    // Span
    private const int SpanTraceId = 1;
    private const int SpanSpanId = 2;
    private const int SpanTraceState = 3;
    private const int SpanParentSpanId = 4;
    private const int SpanName = 5;
    private const int SpanKindField = 6;
    private const int SpanStartTime = 7;
    private const int SpanEndTime = 8;
    private const int SpanAttributes = 9;
    private const int SpanDroppedAttributes = 10;
    private const int SpanEvents = 11;
    private const int SpanDroppedEvents = 12;
    private const int SpanLinks = 13;
    private const int SpanDroppedLinks = 14;
    private const int SpanStatus = 15;
    private const int SpanFlags = 16;

    // Span.Event
    private const int EventTime = 1;
    private const int EventName = 2;
    private const int EventAttributes = 3;
    private const int EventDroppedAttributes = 4;

    // Span.Link
    private const int LinkTraceId = 1;
    private const int LinkSpanId = 2;
    private const int LinkTraceState = 3;
    private const int LinkAttributes = 4;
    private const int LinkDroppedAttributes = 5;
    private const int LinkFlags = 6;

    // Status
    private const int StatusMessage = 2;
    private const int StatusCodeField = 3;

    // KeyValue / AnyValue / ArrayValue
    private const int KeyValueKey = 1;
    private const int KeyValueValue = 2;
    private const int AnyString = 1;
    private const int AnyBool = 2;
    private const int AnyInt = 3;
    private const int AnyDouble = 4;
    private const int AnyArray = 5;
    private const int ArrayValues = 1;

    // SpanFlags: the W3C flags byte, plus whether the parent's (or linked span's) remoteness is known and its value.
    private const uint HasIsRemote = 0x100;
    private const uint IsRemote = 0x200;

    private readonly SpanGrouping _grouping = new();
    private int[] _sizes = new int[256];
    private int _sizeCount;
    private int _sizeRead;

    /// <summary>Serializes <paramref name="batch"/> into <paramref name="buffer"/> (replaced by a bigger one when needed); returns the length.</summary>
    public int Serialize(in SpanBatch batch, ExportBuffer buffer)
    {
        _grouping.Group(batch);
        try
        {
            _sizeCount = 0;
            int total = SizeRequest(batch);
            var destination = buffer.Reset(total);
            _sizeRead = 0;
            var writer = new ProtobufWriter(destination);
            WriteRequest(ref writer, batch);
            buffer.Advance(writer.Position);
            return writer.Position;
        }
        finally
        {
            _grouping.Clear();
        }
    }

    // ---- pass 1: sizes ----

    private int Reserve()
    {
        if (_sizeCount == _sizes.Length)
        {
            Array.Resize(ref _sizes, _sizes.Length * 2);
        }

        return _sizeCount++;
    }

    private int Record(int slot, int size)
    {
        _sizes[slot] = size;
        return size;
    }

    private int NextSize() => _sizes[_sizeRead++];

    private int SizeRequest(in SpanBatch batch)
    {
        var spans = batch.AsSpan();
        int total = 0;
        for (int r = 0; r < _grouping.ResourceCount; r++)
        {
            int slot = Reserve();
            int size = 0;
            int resourceSlot = Reserve();
            size += ProtobufSize.LengthDelimited(ResourceSpansResource, Record(resourceSlot, SizeAttributes(ResourceAttributes, _grouping.GetResource(r).Attributes)));
            for (int g = 0; g < _grouping.GroupCount; g++)
            {
                if (_grouping.GetResourceOfGroup(g) == r)
                {
                    size += ProtobufSize.LengthDelimited(ResourceSpansScopeSpans, SizeScopeSpans(spans, g));
                }
            }

            total += ProtobufSize.LengthDelimited(RequestResourceSpans, Record(slot, size));
        }

        return total;
    }

    private int SizeScopeSpans(ReadOnlySpan<SpanData> spans, int group)
    {
        int slot = Reserve();
        var scope = _grouping.GetScope(group);
        int scopeSlot = Reserve();
        int scopeSize = ProtobufSize.StringField(ScopeName, scope.Name);
        if (!string.IsNullOrEmpty(scope.Version))
        {
            scopeSize += ProtobufSize.StringField(ScopeVersion, scope.Version);
        }

        int size = ProtobufSize.LengthDelimited(ScopeSpansScope, Record(scopeSlot, scopeSize));
        foreach (int i in _grouping.SpansOf(group))
        {
            size += ProtobufSize.LengthDelimited(ScopeSpansSpans, SizeSpan(spans[i]));
        }

        return Record(slot, size);
    }

    private int SizeSpan(SpanData span)
    {
        int slot = Reserve();
        int size = ProtobufSize.LengthDelimited(SpanTraceId, 16) + ProtobufSize.LengthDelimited(SpanSpanId, 8);
        if (span.Context.TraceState is { Count: > 0 } ts)
        {
            size += ProtobufSize.StringField(SpanTraceState, ts.ToString());
        }

        if (span.ParentSpanId.IsValid)
        {
            size += ProtobufSize.LengthDelimited(SpanParentSpanId, 8);
        }

        size += ProtobufSize.Fixed32Field(SpanFlags);
        size += ProtobufSize.StringField(SpanName, span.Name);
        size += ProtobufSize.VarintField(SpanKindField, (ulong)OtlpKind(span.Kind));
        size += ProtobufSize.Fixed64Field(SpanStartTime) + ProtobufSize.Fixed64Field(SpanEndTime);
        size += SizeAttributes(SpanAttributes, span.Attributes);
        size += SizeCount(SpanDroppedAttributes, span.DroppedAttributeCount);
        foreach (ref readonly var e in span.Events)
        {
            int eventSlot = Reserve();
            int eventSize = ProtobufSize.Fixed64Field(EventTime) + ProtobufSize.StringField(EventName, e.Name)
                + SizeAttributes(EventAttributes, e.Attributes) + SizeCount(EventDroppedAttributes, e.DroppedAttributeCount);
            size += ProtobufSize.LengthDelimited(SpanEvents, Record(eventSlot, eventSize));
        }

        size += SizeCount(SpanDroppedEvents, span.DroppedEventCount);
        foreach (ref readonly var link in span.Links)
        {
            int linkSlot = Reserve();
            int linkSize = ProtobufSize.LengthDelimited(LinkTraceId, 16) + ProtobufSize.LengthDelimited(LinkSpanId, 8);
            if (link.Context.TraceState is { Count: > 0 } lts)
            {
                linkSize += ProtobufSize.StringField(LinkTraceState, lts.ToString());
            }

            linkSize += SizeAttributes(LinkAttributes, link.Attributes) + SizeCount(LinkDroppedAttributes, link.DroppedAttributeCount);
            linkSize += ProtobufSize.Fixed32Field(LinkFlags);
            size += ProtobufSize.LengthDelimited(SpanLinks, Record(linkSlot, linkSize));
        }

        size += SizeCount(SpanDroppedLinks, span.DroppedLinkCount);
        if (span.Status.Code != StatusCode.Unset)
        {
            int statusSlot = Reserve();
            int statusSize = ProtobufSize.VarintField(StatusCodeField, (ulong)span.Status.Code);
            if (span.Status.Code == StatusCode.Error && !string.IsNullOrEmpty(span.Status.Description))
            {
                statusSize += ProtobufSize.StringField(StatusMessage, span.Status.Description);
            }

            size += ProtobufSize.LengthDelimited(SpanStatus, Record(statusSlot, statusSize));
        }

        return Record(slot, size);
    }

    private static int SizeCount(int field, int count) => count > 0 ? ProtobufSize.VarintField(field, (uint)count) : 0;

    private int SizeAttributes(int field, ReadOnlySpan<KeyValue> attributes)
    {
        int size = 0;
        foreach (ref readonly var kv in attributes)
        {
            int slot = Reserve();
            int kvSize = ProtobufSize.StringField(KeyValueKey, kv.Key) + ProtobufSize.LengthDelimited(KeyValueValue, SizeAnyValue(kv.Value));
            size += ProtobufSize.LengthDelimited(field, Record(slot, kvSize));
        }

        return size;
    }

    private int SizeAnyValue(in AttributeValue value)
    {
        int slot = Reserve();
        int size;
        switch (value.Type)
        {
            case AttributeType.String:
                size = ProtobufSize.StringField(AnyString, value.AsString() ?? string.Empty);
                break;
            case AttributeType.Bool:
                size = ProtobufSize.VarintField(AnyBool, 1);
                break;
            case AttributeType.Long:
                size = ProtobufSize.VarintField(AnyInt, (ulong)value.AsLong());
                break;
            case AttributeType.Double:
                size = ProtobufSize.Fixed64Field(AnyDouble);
                break;
            case AttributeType.StringArray:
            case AttributeType.BoolArray:
            case AttributeType.LongArray:
            case AttributeType.DoubleArray:
                int arraySlot = Reserve();
                size = ProtobufSize.LengthDelimited(AnyArray, Record(arraySlot, SizeArrayElements(value)));
                break;
            default:
                size = 0;
                break;
        }

        return Record(slot, size);
    }

    // Array elements are AnyValue messages of a scalar; their sizes are cheap, so they are computed in both passes
    // rather than recorded.
    private static int SizeArrayElements(in AttributeValue value)
    {
        int size = 0;
        switch (value.Type)
        {
            case AttributeType.StringArray:
                foreach (var s in value.AsStringArray()!)
                {
                    size += ProtobufSize.LengthDelimited(ArrayValues, ProtobufSize.StringField(AnyString, s ?? string.Empty));
                }

                break;
            case AttributeType.BoolArray:
                size = value.AsBoolArray()!.Length * ProtobufSize.LengthDelimited(ArrayValues, ProtobufSize.VarintField(AnyBool, 1));
                break;
            case AttributeType.LongArray:
                foreach (long l in value.AsLongArray()!)
                {
                    size += ProtobufSize.LengthDelimited(ArrayValues, ProtobufSize.VarintField(AnyInt, (ulong)l));
                }

                break;
            case AttributeType.DoubleArray:
                size = value.AsDoubleArray()!.Length * ProtobufSize.LengthDelimited(ArrayValues, ProtobufSize.Fixed64Field(AnyDouble));
                break;
        }

        return size;
    }

    // ---- pass 2: bytes, in the same order ----

    private void WriteRequest(ref ProtobufWriter w, in SpanBatch batch)
    {
        var spans = batch.AsSpan();
        for (int r = 0; r < _grouping.ResourceCount; r++)
        {
            w.WriteMessageHeader(RequestResourceSpans, NextSize());
            w.WriteMessageHeader(ResourceSpansResource, NextSize());
            WriteAttributes(ref w, ResourceAttributes, _grouping.GetResource(r).Attributes);
            for (int g = 0; g < _grouping.GroupCount; g++)
            {
                if (_grouping.GetResourceOfGroup(g) == r)
                {
                    WriteScopeSpans(ref w, spans, g);
                }
            }
        }
    }

    private void WriteScopeSpans(ref ProtobufWriter w, ReadOnlySpan<SpanData> spans, int group)
    {
        w.WriteMessageHeader(ResourceSpansScopeSpans, NextSize());
        var scope = _grouping.GetScope(group);
        w.WriteMessageHeader(ScopeSpansScope, NextSize());
        w.WriteStringField(ScopeName, scope.Name);
        if (!string.IsNullOrEmpty(scope.Version))
        {
            w.WriteStringField(ScopeVersion, scope.Version);
        }

        foreach (int i in _grouping.SpansOf(group))
        {
            WriteSpan(ref w, spans[i]);
        }
    }

    private void WriteSpan(ref ProtobufWriter w, SpanData span)
    {
        w.WriteMessageHeader(ScopeSpansSpans, NextSize());
        w.WriteTraceIdField(SpanTraceId, span.TraceId);
        w.WriteSpanIdField(SpanSpanId, span.SpanId);
        if (span.Context.TraceState is { Count: > 0 } ts)
        {
            w.WriteStringField(SpanTraceState, ts.ToString());
        }

        if (span.ParentSpanId.IsValid)
        {
            w.WriteSpanIdField(SpanParentSpanId, span.ParentSpanId);
        }

        w.WriteFixed32Field(SpanFlags, (uint)span.Context.TraceFlags | HasIsRemote | (span.HasRemoteParent ? IsRemote : 0));
        w.WriteStringField(SpanName, span.Name);
        w.WriteVarintField(SpanKindField, (ulong)OtlpKind(span.Kind));
        w.WriteFixed64Field(SpanStartTime, (ulong)span.StartTimeUnixNano);
        w.WriteFixed64Field(SpanEndTime, (ulong)span.EndTimeUnixNano);
        WriteAttributes(ref w, SpanAttributes, span.Attributes);
        WriteCount(ref w, SpanDroppedAttributes, span.DroppedAttributeCount);
        foreach (ref readonly var e in span.Events)
        {
            w.WriteMessageHeader(SpanEvents, NextSize());
            w.WriteFixed64Field(EventTime, (ulong)e.TimestampUnixNano);
            w.WriteStringField(EventName, e.Name);
            WriteAttributes(ref w, EventAttributes, e.Attributes);
            WriteCount(ref w, EventDroppedAttributes, e.DroppedAttributeCount);
        }

        WriteCount(ref w, SpanDroppedEvents, span.DroppedEventCount);
        foreach (ref readonly var link in span.Links)
        {
            w.WriteMessageHeader(SpanLinks, NextSize());
            w.WriteTraceIdField(LinkTraceId, link.Context.TraceId);
            w.WriteSpanIdField(LinkSpanId, link.Context.SpanId);
            if (link.Context.TraceState is { Count: > 0 } lts)
            {
                w.WriteStringField(LinkTraceState, lts.ToString());
            }

            WriteAttributes(ref w, LinkAttributes, link.Attributes);
            WriteCount(ref w, LinkDroppedAttributes, link.DroppedAttributeCount);
            w.WriteFixed32Field(LinkFlags, (uint)link.Context.TraceFlags | HasIsRemote | (link.Context.IsRemote ? IsRemote : 0));
        }

        WriteCount(ref w, SpanDroppedLinks, span.DroppedLinkCount);
        if (span.Status.Code != StatusCode.Unset)
        {
            w.WriteMessageHeader(SpanStatus, NextSize());
            w.WriteVarintField(StatusCodeField, (ulong)span.Status.Code);
            if (span.Status.Code == StatusCode.Error && !string.IsNullOrEmpty(span.Status.Description))
            {
                w.WriteStringField(StatusMessage, span.Status.Description);
            }
        }
    }

    private static void WriteCount(ref ProtobufWriter w, int field, int count)
    {
        if (count > 0)
        {
            w.WriteVarintField(field, (uint)count);
        }
    }

    private void WriteAttributes(ref ProtobufWriter w, int field, ReadOnlySpan<KeyValue> attributes)
    {
        foreach (ref readonly var kv in attributes)
        {
            w.WriteMessageHeader(field, NextSize());
            w.WriteStringField(KeyValueKey, kv.Key);
            WriteAnyValue(ref w, KeyValueValue, kv.Value);
        }
    }

    private void WriteAnyValue(ref ProtobufWriter w, int field, in AttributeValue value)
    {
        w.WriteMessageHeader(field, NextSize());
        switch (value.Type)
        {
            case AttributeType.String:
                w.WriteStringField(AnyString, value.AsString() ?? string.Empty);
                break;
            case AttributeType.Bool:
                w.WriteVarintField(AnyBool, value.AsBool() ? 1UL : 0UL);
                break;
            case AttributeType.Long:
                w.WriteVarintField(AnyInt, (ulong)value.AsLong());
                break;
            case AttributeType.Double:
                w.WriteFixed64Field(AnyDouble, BitConverter.DoubleToUInt64Bits(value.AsDouble()));
                break;
            case AttributeType.StringArray:
            case AttributeType.BoolArray:
            case AttributeType.LongArray:
            case AttributeType.DoubleArray:
                w.WriteMessageHeader(AnyArray, NextSize());
                WriteArrayElements(ref w, value);
                break;
        }
    }

    private static void WriteArrayElements(ref ProtobufWriter w, in AttributeValue value)
    {
        switch (value.Type)
        {
            case AttributeType.StringArray:
                foreach (var s in value.AsStringArray()!)
                {
                    string text = s ?? string.Empty;
                    w.WriteMessageHeader(ArrayValues, ProtobufSize.StringField(AnyString, text));
                    w.WriteStringField(AnyString, text);
                }

                break;
            case AttributeType.BoolArray:
                foreach (bool b in value.AsBoolArray()!)
                {
                    w.WriteMessageHeader(ArrayValues, ProtobufSize.VarintField(AnyBool, 1));
                    w.WriteVarintField(AnyBool, b ? 1UL : 0UL);
                }

                break;
            case AttributeType.LongArray:
                foreach (long l in value.AsLongArray()!)
                {
                    w.WriteMessageHeader(ArrayValues, ProtobufSize.VarintField(AnyInt, (ulong)l));
                    w.WriteVarintField(AnyInt, (ulong)l);
                }

                break;
            case AttributeType.DoubleArray:
                foreach (double d in value.AsDoubleArray()!)
                {
                    w.WriteMessageHeader(ArrayValues, ProtobufSize.Fixed64Field(AnyDouble));
                    w.WriteFixed64Field(AnyDouble, BitConverter.DoubleToUInt64Bits(d));
                }

                break;
        }
    }

    /// <summary>OTLP numbers kinds from 1 (0 is "unspecified").</summary>
    internal static int OtlpKind(SpanKind kind) => (int)kind + 1;
}

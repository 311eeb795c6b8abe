using System;
using Tracing.Sdk.Exporting;

// The OTLP trace protobuf written straight from span records, in one pass, with the fields in the field numbers' order
// (resource, scope, span, event, link, status) as the former two-pass writer wrote them.

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// Writes an <c>ExportTraceServiceRequest</c> straight from span records, without message objects, in one pass: each
/// nested message reserves the bytes its length usually takes and fills them in after its body
/// (<see cref="ProtobufWriter.BeginMessage"/>), so the output is the canonical encoding. Not thread-safe: one instance
/// per exporter.
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

    // Length bytes reserved for each kind of nested message: what its length takes in typical batches. A wrong guess
    // costs a move of the body, never a different encoding. A request of 512 typical spans is ~124 KB (3 bytes).
    private const int RequestReserve = 3;
    private const int ResourceReserve = 2;
    private const int SmallReserve = 1;

    private readonly SpanGrouping _grouping = new();

    // Spans of a batch are alike: the width the previous span's length took is the next one's reservation.
    private int _spanReserve = 2;

    /// <summary>Serializes <paramref name="batch"/> into <paramref name="buffer"/> (replaced by a bigger one when needed); returns the length.</summary>
    /// <param name="batch">The spans.</param>
    /// <param name="buffer">Where the message goes.</param>
    /// <param name="headroom">Free bytes to leave before the message, for the transport's framing.</param>
    public int Serialize(in SpanBatch batch, ExportBuffer buffer, int headroom = 0)
    {
        _grouping.Group(batch);
        try
        {
            var writer = new ProtobufWriter(buffer, headroom);
            WriteRequest(ref writer, batch);
            int length = writer.Position - headroom;
            buffer.Advance(length);
            return length;
        }
        finally
        {
            _grouping.Clear();
        }
    }

    private void WriteRequest(ref ProtobufWriter w, in SpanBatch batch)
    {
        var spans = batch.AsSpan();
        for (int r = 0; r < _grouping.ResourceCount; r++)
        {
            int resourceSpans = w.BeginMessage(RequestResourceSpans, RequestReserve);
            int resource = w.BeginMessage(ResourceSpansResource, ResourceReserve);
            WriteAttributes(ref w, ResourceAttributes, _grouping.GetResource(r).Attributes);
            w.EndMessage(resource, ResourceReserve);
            for (int g = 0; g < _grouping.GroupCount; g++)
            {
                if (_grouping.GetResourceOfGroup(g) == r)
                {
                    WriteScopeSpans(ref w, spans, g);
                }
            }

            w.EndMessage(resourceSpans, RequestReserve);
        }
    }

    private void WriteScopeSpans(ref ProtobufWriter w, ReadOnlySpan<SpanData> spans, int group)
    {
        int scopeSpans = w.BeginMessage(ResourceSpansScopeSpans, RequestReserve);
        var scope = _grouping.GetScope(group);
        int scopeStart = w.BeginMessage(ScopeSpansScope, SmallReserve);
        w.WriteStringField(ScopeName, scope.Name);
        if (!string.IsNullOrEmpty(scope.Version))
        {
            w.WriteStringField(ScopeVersion, scope.Version);
        }

        w.EndMessage(scopeStart, SmallReserve);
        foreach (int i in _grouping.SpansOf(group))
        {
            WriteSpan(ref w, spans[i]);
        }

        w.EndMessage(scopeSpans, RequestReserve);
    }

    private void WriteSpan(ref ProtobufWriter w, SpanData span)
    {
        int reserve = _spanReserve;
        int start = w.BeginMessage(ScopeSpansSpans, reserve);
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
            int eventStart = w.BeginMessage(SpanEvents, SmallReserve);
            w.WriteFixed64Field(EventTime, (ulong)e.TimestampUnixNano);
            w.WriteStringField(EventName, e.Name);
            WriteAttributes(ref w, EventAttributes, e.Attributes);
            WriteCount(ref w, EventDroppedAttributes, e.DroppedAttributeCount);
            w.EndMessage(eventStart, SmallReserve);
        }

        WriteCount(ref w, SpanDroppedEvents, span.DroppedEventCount);
        foreach (ref readonly var link in span.Links)
        {
            int linkStart = w.BeginMessage(SpanLinks, SmallReserve);
            w.WriteTraceIdField(LinkTraceId, link.Context.TraceId);
            w.WriteSpanIdField(LinkSpanId, link.Context.SpanId);
            if (link.Context.TraceState is { Count: > 0 } lts)
            {
                w.WriteStringField(LinkTraceState, lts.ToString());
            }

            WriteAttributes(ref w, LinkAttributes, link.Attributes);
            WriteCount(ref w, LinkDroppedAttributes, link.DroppedAttributeCount);
            w.WriteFixed32Field(LinkFlags, (uint)link.Context.TraceFlags | HasIsRemote | (link.Context.IsRemote ? IsRemote : 0));
            w.EndMessage(linkStart, SmallReserve);
        }

        WriteCount(ref w, SpanDroppedLinks, span.DroppedLinkCount);
        if (span.Status.Code != StatusCode.Unset)
        {
            int statusStart = w.BeginMessage(SpanStatus, SmallReserve);
            w.WriteVarintField(StatusCodeField, (ulong)span.Status.Code);
            if (span.Status.Code == StatusCode.Error && !string.IsNullOrEmpty(span.Status.Description))
            {
                w.WriteStringField(StatusMessage, span.Status.Description);
            }

            w.EndMessage(statusStart, SmallReserve);
        }

        _spanReserve = w.EndMessage(start, reserve);
    }

    private static void WriteCount(ref ProtobufWriter w, int field, int count)
    {
        if (count > 0)
        {
            w.WriteVarintField(field, (uint)count);
        }
    }

    private static void WriteAttributes(ref ProtobufWriter w, int field, ReadOnlySpan<KeyValue> attributes)
    {
        foreach (ref readonly var kv in attributes)
        {
            int start = w.BeginMessage(field, SmallReserve);
            w.WriteStringField(KeyValueKey, kv.Key);
            WriteAnyValue(ref w, KeyValueValue, kv.Value);
            w.EndMessage(start, SmallReserve);
        }
    }

    private static void WriteAnyValue(ref ProtobufWriter w, int field, in AttributeValue value)
    {
        int start = w.BeginMessage(field, SmallReserve);
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
                int array = w.BeginMessage(AnyArray, SmallReserve);
                WriteArrayElements(ref w, value);
                w.EndMessage(array, SmallReserve);
                break;
        }

        w.EndMessage(start, SmallReserve);
    }

    // Each element is an AnyValue message of one scalar.
    private static void WriteArrayElements(ref ProtobufWriter w, in AttributeValue value)
    {
        switch (value.Type)
        {
            case AttributeType.StringArray:
                foreach (var s in value.AsStringArray()!)
                {
                    int start = w.BeginMessage(ArrayValues, SmallReserve);
                    w.WriteStringField(AnyString, s ?? string.Empty);
                    w.EndMessage(start, SmallReserve);
                }

                break;
            case AttributeType.BoolArray:
                foreach (bool b in value.AsBoolArray()!)
                {
                    int start = w.BeginMessage(ArrayValues, SmallReserve);
                    w.WriteVarintField(AnyBool, b ? 1UL : 0UL);
                    w.EndMessage(start, SmallReserve);
                }

                break;
            case AttributeType.LongArray:
                foreach (long l in value.AsLongArray()!)
                {
                    int start = w.BeginMessage(ArrayValues, SmallReserve);
                    w.WriteVarintField(AnyInt, (ulong)l);
                    w.EndMessage(start, SmallReserve);
                }

                break;
            case AttributeType.DoubleArray:
                foreach (double d in value.AsDoubleArray()!)
                {
                    int start = w.BeginMessage(ArrayValues, SmallReserve);
                    w.WriteFixed64Field(AnyDouble, BitConverter.DoubleToUInt64Bits(d));
                    w.EndMessage(start, SmallReserve);
                }

                break;
        }
    }

    /// <summary>OTLP numbers kinds from 1 (0 is "unspecified").</summary>
    internal static int OtlpKind(SpanKind kind) => (int)kind + 1;
}

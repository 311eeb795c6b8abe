using System;
using System.IO;
using System.Text.Json;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>
/// Writes an <c>ExportTraceServiceRequest</c> in the OTLP/JSON encoding: lowerCamelCase names, trace and span ids as
/// lower-case hex, enums as integers, 64-bit integers as decimal strings. One <see cref="Utf8JsonWriter"/> is reused.
/// Not thread-safe: one instance per exporter.
/// </summary>
internal sealed class OtlpJsonSerializer
{
    private static readonly JsonEncodedText s_resourceSpans = JsonEncodedText.Encode("resourceSpans");
    private static readonly JsonEncodedText s_resource = JsonEncodedText.Encode("resource");
    private static readonly JsonEncodedText s_scopeSpans = JsonEncodedText.Encode("scopeSpans");
    private static readonly JsonEncodedText s_scope = JsonEncodedText.Encode("scope");
    private static readonly JsonEncodedText s_spans = JsonEncodedText.Encode("spans");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText s_attributes = JsonEncodedText.Encode("attributes");
    private static readonly JsonEncodedText s_traceId = JsonEncodedText.Encode("traceId");
    private static readonly JsonEncodedText s_spanId = JsonEncodedText.Encode("spanId");
    private static readonly JsonEncodedText s_traceState = JsonEncodedText.Encode("traceState");
    private static readonly JsonEncodedText s_parentSpanId = JsonEncodedText.Encode("parentSpanId");
    private static readonly JsonEncodedText s_flags = JsonEncodedText.Encode("flags");
    private static readonly JsonEncodedText s_kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText s_start = JsonEncodedText.Encode("startTimeUnixNano");
    private static readonly JsonEncodedText s_end = JsonEncodedText.Encode("endTimeUnixNano");
    private static readonly JsonEncodedText s_time = JsonEncodedText.Encode("timeUnixNano");
    private static readonly JsonEncodedText s_droppedAttributes = JsonEncodedText.Encode("droppedAttributesCount");
    private static readonly JsonEncodedText s_events = JsonEncodedText.Encode("events");
    private static readonly JsonEncodedText s_droppedEvents = JsonEncodedText.Encode("droppedEventsCount");
    private static readonly JsonEncodedText s_links = JsonEncodedText.Encode("links");
    private static readonly JsonEncodedText s_droppedLinks = JsonEncodedText.Encode("droppedLinksCount");
    private static readonly JsonEncodedText s_status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText s_message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText s_code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText s_key = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText s_value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText s_values = JsonEncodedText.Encode("values");
    private static readonly JsonEncodedText s_stringValue = JsonEncodedText.Encode("stringValue");
    private static readonly JsonEncodedText s_boolValue = JsonEncodedText.Encode("boolValue");
    private static readonly JsonEncodedText s_intValue = JsonEncodedText.Encode("intValue");
    private static readonly JsonEncodedText s_doubleValue = JsonEncodedText.Encode("doubleValue");
    private static readonly JsonEncodedText s_arrayValue = JsonEncodedText.Encode("arrayValue");

    private readonly SpanGrouping _grouping = new();
    private Utf8JsonWriter? _writer;

    public int Serialize(in SpanBatch batch, ExportBuffer buffer)
    {
        buffer.Reset(0);
        var w = _writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        w.Reset(buffer);
        _grouping.Group(batch);
        try
        {
            var spans = batch.AsSpan();
            w.WriteStartObject();
            w.WriteStartArray(s_resourceSpans);
            for (int r = 0; r < _grouping.ResourceCount; r++)
            {
                w.WriteStartObject();
                w.WriteStartObject(s_resource);
                WriteAttributes(w, _grouping.GetResource(r).Attributes);
                w.WriteEndObject();
                w.WriteStartArray(s_scopeSpans);
                for (int g = 0; g < _grouping.GroupCount; g++)
                {
                    if (_grouping.GetResourceOfGroup(g) != r)
                    {
                        continue;
                    }

                    var scope = _grouping.GetScope(g);
                    w.WriteStartObject();
                    w.WriteStartObject(s_scope);
                    w.WriteString(s_name, scope.Name);
                    if (!string.IsNullOrEmpty(scope.Version))
                    {
                        w.WriteString(s_version, scope.Version);
                    }

                    w.WriteEndObject();
                    w.WriteStartArray(s_spans);
                    foreach (int i in _grouping.SpansOf(g))
                    {
                        WriteSpan(w, spans[i]);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            return buffer.Length;
        }
        finally
        {
            _grouping.Clear();
            w.Reset(Stream.Null);
        }
    }

    private static void WriteSpan(Utf8JsonWriter w, SpanData span)
    {
        Span<char> hex = stackalloc char[32];
        w.WriteStartObject();
        span.TraceId.WriteHex(hex);
        w.WriteString(s_traceId, hex);
        span.SpanId.WriteHex(hex);
        w.WriteString(s_spanId, hex[..16]);
        if (span.Context.TraceState is { Count: > 0 } ts)
        {
            w.WriteString(s_traceState, ts.ToString());
        }

        if (span.ParentSpanId.IsValid)
        {
            span.ParentSpanId.WriteHex(hex);
            w.WriteString(s_parentSpanId, hex[..16]);
        }

        w.WriteNumber(s_flags, (uint)span.Context.TraceFlags | 0x100u | (span.HasRemoteParent ? 0x200u : 0u));
        w.WriteString(s_name, span.Name);
        w.WriteNumber(s_kind, OtlpProtobufSerializer.OtlpKind(span.Kind));
        WriteNanos(w, s_start, span.StartTimeUnixNano);
        WriteNanos(w, s_end, span.EndTimeUnixNano);
        w.WriteStartArray(s_attributes);
        WriteAttributeItems(w, span.Attributes);
        w.WriteEndArray();
        WriteCount(w, s_droppedAttributes, span.DroppedAttributeCount);
        if (!span.Events.IsEmpty)
        {
            w.WriteStartArray(s_events);
            foreach (ref readonly var e in span.Events)
            {
                w.WriteStartObject();
                WriteNanos(w, s_time, e.TimestampUnixNano);
                w.WriteString(s_name, e.Name);
                w.WriteStartArray(s_attributes);
                WriteAttributeItems(w, e.Attributes);
                w.WriteEndArray();
                WriteCount(w, s_droppedAttributes, e.DroppedAttributeCount);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        WriteCount(w, s_droppedEvents, span.DroppedEventCount);
        if (!span.Links.IsEmpty)
        {
            w.WriteStartArray(s_links);
            foreach (ref readonly var link in span.Links)
            {
                w.WriteStartObject();
                link.Context.TraceId.WriteHex(hex);
                w.WriteString(s_traceId, hex);
                link.Context.SpanId.WriteHex(hex);
                w.WriteString(s_spanId, hex[..16]);
                if (link.Context.TraceState is { Count: > 0 } lts)
                {
                    w.WriteString(s_traceState, lts.ToString());
                }

                w.WriteStartArray(s_attributes);
                WriteAttributeItems(w, link.Attributes);
                w.WriteEndArray();
                WriteCount(w, s_droppedAttributes, link.DroppedAttributeCount);
                w.WriteNumber(s_flags, (uint)link.Context.TraceFlags | 0x100u | (link.Context.IsRemote ? 0x200u : 0u));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        WriteCount(w, s_droppedLinks, span.DroppedLinkCount);
        if (span.Status.Code != StatusCode.Unset)
        {
            w.WriteStartObject(s_status);
            if (span.Status.Code == StatusCode.Error && !string.IsNullOrEmpty(span.Status.Description))
            {
                w.WriteString(s_message, span.Status.Description);
            }

            w.WriteNumber(s_code, (int)span.Status.Code);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteNanos(Utf8JsonWriter w, JsonEncodedText name, long nanos)
    {
        // Protobuf's JSON mapping writes 64-bit integers as strings.
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat((ulong)nanos, digits, out int written);
        w.WriteString(name, digits[..written]);
    }

    private static void WriteCount(Utf8JsonWriter w, JsonEncodedText name, int count)
    {
        if (count > 0)
        {
            w.WriteNumber(name, count);
        }
    }

    private static void WriteAttributes(Utf8JsonWriter w, ReadOnlySpan<KeyValue> attributes)
    {
        w.WriteStartArray(s_attributes);
        WriteAttributeItems(w, attributes);
        w.WriteEndArray();
    }

    private static void WriteAttributeItems(Utf8JsonWriter w, ReadOnlySpan<KeyValue> attributes)
    {
        foreach (ref readonly var kv in attributes)
        {
            w.WriteStartObject();
            w.WriteString(s_key, kv.Key);
            w.WritePropertyName(s_value);
            WriteAnyValue(w, kv.Value);
            w.WriteEndObject();
        }
    }

    private static void WriteAnyValue(Utf8JsonWriter w, in AttributeValue value)
    {
        w.WriteStartObject();
        switch (value.Type)
        {
            case AttributeType.String:
                w.WriteString(s_stringValue, value.AsString());
                break;
            case AttributeType.Bool:
                w.WriteBoolean(s_boolValue, value.AsBool());
                break;
            case AttributeType.Long:
                WriteInt(w, value.AsLong());
                break;
            case AttributeType.Double:
                WriteDouble(w, value.AsDouble());
                break;
            case AttributeType.StringArray:
                w.WriteStartObject(s_arrayValue);
                w.WriteStartArray(s_values);
                foreach (var s in value.AsStringArray()!)
                {
                    w.WriteStartObject();
                    w.WriteString(s_stringValue, s ?? string.Empty);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                break;
            case AttributeType.BoolArray:
                w.WriteStartObject(s_arrayValue);
                w.WriteStartArray(s_values);
                foreach (bool b in value.AsBoolArray()!)
                {
                    w.WriteStartObject();
                    w.WriteBoolean(s_boolValue, b);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                break;
            case AttributeType.LongArray:
                w.WriteStartObject(s_arrayValue);
                w.WriteStartArray(s_values);
                foreach (long l in value.AsLongArray()!)
                {
                    w.WriteStartObject();
                    WriteInt(w, l);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                break;
            case AttributeType.DoubleArray:
                w.WriteStartObject(s_arrayValue);
                w.WriteStartArray(s_values);
                foreach (double d in value.AsDoubleArray()!)
                {
                    w.WriteStartObject();
                    WriteDouble(w, d);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteInt(Utf8JsonWriter w, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(value, digits, out int written);
        w.WriteString(s_intValue, digits[..written]);
    }

    private static void WriteDouble(Utf8JsonWriter w, double value)
    {
        // JSON has no NaN or infinities; protobuf's JSON mapping spells them as strings.
        if (double.IsFinite(value))
        {
            w.WriteNumber(s_doubleValue, value);
        }
        else
        {
            w.WriteString(s_doubleValue, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}

using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tracing.Sdk.Exporting;

// Why one file of ~450 lines: this is the whole mapping from a span record to Zipkin v2 JSON (zipkin2-api.yaml), field
// by field in schema order — ids, kind, timestamps, endpoints, tags with the exporter's reserved keys, annotations. Split
// further, the schema's rules (error once, duration >= 1, unique annotations) would be spread over files that must
// agree; read top to bottom it is checkable against the schema.

namespace Tracing.Sdk.Exporter.Zipkin;

/// <summary>
/// Writes a batch as a Zipkin v2 JSON array, following OpenTelemetry's Zipkin mapping: hex ids, upper-case kind
/// (omitted for internal spans), microsecond times, attributes as string tags (arrays as JSON array text),
/// <c>otel.status_code</c> / <c>error</c>, events as annotations, the scope as <c>otel.scope.*</c> tags.
/// It keeps to the letter of <c>zipkin2-api.yaml</c> (openzipkin/zipkin-api): <c>duration</c> is at least 1 (the schema's
/// minimum; shorter spans are rounded up), <c>tags</c> is a string-to-string object with each key once (a key the
/// exporter derives, such as <c>error</c>, replaces an attribute of the same name), <c>annotations</c> holds no two
/// identical items (<c>uniqueItems</c>), and <c>debug: true</c> marks a span of a B3/Jaeger debug trace.
/// No reflection: a reused <see cref="Utf8JsonWriter"/> over pooled buffers. Not thread-safe.
/// </summary>
internal sealed class ZipkinJsonSerializer : IDisposable
{
    private static readonly JsonEncodedText s_traceId = JsonEncodedText.Encode("traceId");
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText s_parentId = JsonEncodedText.Encode("parentId");
    private static readonly JsonEncodedText s_kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText s_duration = JsonEncodedText.Encode("duration");
    private static readonly JsonEncodedText s_localEndpoint = JsonEncodedText.Encode("localEndpoint");
    private static readonly JsonEncodedText s_remoteEndpoint = JsonEncodedText.Encode("remoteEndpoint");
    private static readonly JsonEncodedText s_serviceName = JsonEncodedText.Encode("serviceName");
    private static readonly JsonEncodedText s_ipv4 = JsonEncodedText.Encode("ipv4");
    private static readonly JsonEncodedText s_ipv6 = JsonEncodedText.Encode("ipv6");
    private static readonly JsonEncodedText s_port = JsonEncodedText.Encode("port");
    private static readonly JsonEncodedText s_annotations = JsonEncodedText.Encode("annotations");
    private static readonly JsonEncodedText s_value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText s_tags = JsonEncodedText.Encode("tags");
    private static readonly JsonEncodedText s_debug = JsonEncodedText.Encode("debug");

    // The body is JSON for a collector, never HTML: the relaxed encoder writes non-ASCII text as UTF-8 and escapes only
    // what JSON requires. Inside an array tag or an annotation's JSON text this keeps the text as intended: plain quotes
    // around items and readable characters (the default encoder would put "\u0022" and "\u00FC" into the text itself).
    private static readonly JsonWriterOptions s_options = new() { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _scratch = new(1024);
    private Utf8JsonWriter? _writer;
    private Utf8JsonWriter? _scratchWriter;

    // Annotations already written for the current span (microsecond timestamp and value text), to honour uniqueItems.
    private readonly ArrayBufferWriter<byte> _annotationTexts = new(256);
    private readonly List<(long Timestamp, int Start, int Length)> _annotations = new();

    public void Serialize(in SpanBatch batch, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer, s_options);
        w.Reset(buffer);
        w.WriteStartArray();
        foreach (var span in batch)
        {
            WriteSpan(w, span);
        }

        w.WriteEndArray();
        w.Flush();
        w.Reset(Stream.Null);
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _scratchWriter?.Dispose();
    }

    private void WriteSpan(Utf8JsonWriter w, SpanData span)
    {
        Span<char> hex = stackalloc char[32];
        w.WriteStartObject();
        span.TraceId.WriteHex(hex);
        w.WriteString(s_traceId, hex);
        span.SpanId.WriteHex(hex);
        w.WriteString(s_id, hex[..16]);
        if (span.ParentSpanId.IsValid)
        {
            span.ParentSpanId.WriteHex(hex);
            w.WriteString(s_parentId, hex[..16]);
        }

        switch (span.Kind)
        {
            case SpanKind.Server:
                w.WriteString(s_kind, "SERVER"u8);
                break;
            case SpanKind.Client:
                w.WriteString(s_kind, "CLIENT"u8);
                break;
            case SpanKind.Producer:
                w.WriteString(s_kind, "PRODUCER"u8);
                break;
            case SpanKind.Consumer:
                w.WriteString(s_kind, "CONSUMER"u8);
                break;
        }

        w.WriteString(s_name, span.Name);
        w.WriteNumber(s_timestamp, span.StartTimeUnixNano / 1000);
        w.WriteNumber(s_duration, DurationMicroseconds(span.StartTimeUnixNano, span.EndTimeUnixNano));
        if (span.Context.IsDebug)
        {
            w.WriteBoolean(s_debug, true);
        }

        w.WriteStartObject(s_localEndpoint);
        w.WriteString(s_serviceName, span.Resource.ServiceName ?? "unknown_service");
        w.WriteEndObject();
        if (span.Kind is SpanKind.Client or SpanKind.Producer)
        {
            WriteRemoteEndpoint(w, span);
        }

        if (!span.Events.IsEmpty)
        {
            w.WriteStartArray(s_annotations);
            _annotations.Clear();
            _annotationTexts.ResetWrittenCount();
            foreach (ref readonly var e in span.Events)
            {
                long timestamp = e.TimestampUnixNano / 1000;
                ReadOnlySpan<byte> text;
                if (e.Attributes.IsEmpty)
                {
                    var sw = Scratch();
                    sw.WriteStringValue(e.Name);
                    sw.Flush();
                    text = _scratch.WrittenSpan[1..^1]; // the encoded name without its quotes
                }
                else
                {
                    // {"event name":{"key":value,...}} as the annotation's text.
                    var sw = Scratch();
                    sw.WriteStartObject();
                    sw.WriteStartObject(e.Name);
                    foreach (ref readonly var kv in e.Attributes)
                    {
                        sw.WritePropertyName(kv.Key);
                        WriteJsonValue(sw, kv.Value);
                    }

                    sw.WriteEndObject();
                    sw.WriteEndObject();
                    sw.Flush();
                    text = _scratch.WrittenSpan;
                }

                if (IsRepeatedAnnotation(timestamp, text))
                {
                    continue;
                }

                w.WriteStartObject();
                w.WriteNumber(s_timestamp, timestamp);
                if (e.Attributes.IsEmpty)
                {
                    w.WriteString(s_value, e.Name);
                }
                else
                {
                    w.WriteString(s_value, text);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteStartObject(s_tags);
        foreach (ref readonly var kv in span.Attributes)
        {
            if (!IsDerivedTag(span, kv.Key))
            {
                WriteTag(w, kv.Key, kv.Value);
            }
        }

        if (span.Status.Code == StatusCode.Ok)
        {
            w.WriteString("otel.status_code"u8, "OK"u8);
        }
        else if (span.Status.Code == StatusCode.Error)
        {
            w.WriteString("otel.status_code"u8, "ERROR"u8);
            WriteErrorTag(w, span);
        }

        if (span.Scope.Name.Length > 0)
        {
            w.WriteString("otel.scope.name"u8, span.Scope.Name);
        }

        if (!string.IsNullOrEmpty(span.Scope.Version))
        {
            w.WriteString("otel.scope.version"u8, span.Scope.Version);
        }

        WriteCountTag(w, "otel.dropped_attributes_count"u8, span.DroppedAttributeCount);
        WriteCountTag(w, "otel.dropped_events_count"u8, span.DroppedEventCount);
        WriteCountTag(w, "otel.dropped_links_count"u8, span.DroppedLinkCount);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Span duration in microseconds, at least 1: zipkin2-api.yaml's minimum ("durations of less than one are rounded up").</summary>
    internal static long DurationMicroseconds(long startUnixNano, long endUnixNano) =>
        Math.Max(1, (endUnixNano - startUnixNano) / 1000);

    /// <summary>
    /// The <c>error</c> tag of a failed span. Zipkin's convention (zipkinCore.thrift, <c>ERROR</c>: "the value is a human
    /// readable message associated with an error"; the UI and search treat the key's presence as the failure) wants a
    /// non-empty message: the status description, else the span's own <c>error</c> attribute when it is non-empty text,
    /// else "true" (what a boolean <c>error</c> becomes as a Zipkin tag), never an empty string.
    /// </summary>
    private static void WriteErrorTag(Utf8JsonWriter w, SpanData span)
    {
        if (span.Status.Description is { Length: > 0 } description)
        {
            w.WriteString("error"u8, description);
            return;
        }

        w.WriteString("error"u8, Find(span, "error") ?? "true");
    }

    /// <summary>Whether the exporter writes <paramref name="key"/> itself for this span, so an attribute of that name must not repeat it.</summary>
    private static bool IsDerivedTag(SpanData span, string key) => key switch
    {
        "error" => span.Status.Code == StatusCode.Error,
        "otel.status_code" => span.Status.Code != StatusCode.Unset,
        "otel.scope.name" => span.Scope.Name.Length > 0,
        "otel.scope.version" => !string.IsNullOrEmpty(span.Scope.Version),
        "otel.dropped_attributes_count" => span.DroppedAttributeCount > 0,
        "otel.dropped_events_count" => span.DroppedEventCount > 0,
        "otel.dropped_links_count" => span.DroppedLinkCount > 0,
        _ => false,
    };

    /// <summary>Records the annotation unless the span already has one with the same timestamp and text.</summary>
    private bool IsRepeatedAnnotation(long timestamp, ReadOnlySpan<byte> text)
    {
        foreach (var (ts, start, length) in _annotations)
        {
            if (ts == timestamp && _annotationTexts.WrittenSpan.Slice(start, length).SequenceEqual(text))
            {
                return true;
            }
        }

        _annotations.Add((timestamp, _annotationTexts.WrittenCount, text.Length));
        _annotationTexts.Write(text);
        return false;
    }

    private static void WriteRemoteEndpoint(Utf8JsonWriter w, SpanData span)
    {
        string? service = Find(span, "peer.service") ?? Find(span, "server.address") ?? Find(span, "net.peer.name");
        string? address = Find(span, "network.peer.address") ?? Find(span, "net.peer.ip");
        long port = FindLong(span, "server.port") ?? FindLong(span, "network.peer.port") ?? FindLong(span, "net.peer.port") ?? 0;
        if (service is null && address is null)
        {
            return;
        }

        w.WriteStartObject(s_remoteEndpoint);
        if (service is not null)
        {
            w.WriteString(s_serviceName, service);
        }

        if (address is not null && System.Net.IPAddress.TryParse(address, out var ip))
        {
            w.WriteString(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? s_ipv6 : s_ipv4, address);
        }

        if (port is > 0 and <= 65535)
        {
            w.WriteNumber(s_port, port);
        }

        w.WriteEndObject();
    }

    private static string? Find(SpanData span, string key)
    {
        foreach (ref readonly var kv in span.Attributes)
        {
            if (kv.Key == key && kv.Value.Type == AttributeType.String && kv.Value.AsString() is { Length: > 0 } s)
            {
                return s;
            }
        }

        return null;
    }

    private static long? FindLong(SpanData span, string key)
    {
        foreach (ref readonly var kv in span.Attributes)
        {
            if (kv.Key == key)
            {
                if (kv.Value.Type == AttributeType.Long)
                {
                    return kv.Value.AsLong();
                }

                if (kv.Value.Type == AttributeType.String && long.TryParse(kv.Value.AsString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long v))
                {
                    return v;
                }
            }
        }

        return null;
    }

    private static void WriteCountTag(Utf8JsonWriter w, ReadOnlySpan<byte> name, int count)
    {
        if (count > 0)
        {
            Span<byte> digits = stackalloc byte[11];
            Utf8Formatter.TryFormat(count, digits, out int n);
            w.WriteString(name, digits[..n]);
        }
    }

    private void WriteTag(Utf8JsonWriter w, string key, in AttributeValue value)
    {
        Span<byte> text = stackalloc byte[32];
        int n;
        switch (value.Type)
        {
            case AttributeType.String:
                w.WriteString(key, value.AsString());
                return;
            case AttributeType.Bool:
                w.WriteString(key, value.AsBool() ? "true"u8 : "false"u8);
                return;
            case AttributeType.Long:
                Utf8Formatter.TryFormat(value.AsLong(), text, out n);
                w.WriteString(key, text[..n]);
                return;
            case AttributeType.Double:
                value.AsDouble().TryFormat(text, out n, "R", System.Globalization.CultureInfo.InvariantCulture);
                w.WriteString(key, text[..n]);
                return;
            case AttributeType.None:
                return;
            default:
                // Arrays become the text of a JSON array, as OpenTelemetry's Zipkin mapping asks.
                var sw = Scratch();
                WriteJsonValue(sw, value);
                sw.Flush();
                w.WriteString(key, _scratch.WrittenSpan);
                return;
        }
    }

    private Utf8JsonWriter Scratch()
    {
        _scratch.ResetWrittenCount();
        var sw = _scratchWriter ??= new Utf8JsonWriter(_scratch, s_options);
        sw.Reset(_scratch);
        return sw;
    }

    private static void WriteJsonValue(Utf8JsonWriter w, in AttributeValue value)
    {
        switch (value.Type)
        {
            case AttributeType.String:
                w.WriteStringValue(value.AsString());
                break;
            case AttributeType.Bool:
                w.WriteBooleanValue(value.AsBool());
                break;
            case AttributeType.Long:
                w.WriteNumberValue(value.AsLong());
                break;
            case AttributeType.Double:
                WriteDoubleValue(w, value.AsDouble());
                break;
            case AttributeType.StringArray:
                w.WriteStartArray();
                foreach (var s in value.AsStringArray()!)
                {
                    w.WriteStringValue(s);
                }

                w.WriteEndArray();
                break;
            case AttributeType.BoolArray:
                w.WriteStartArray();
                foreach (bool b in value.AsBoolArray()!)
                {
                    w.WriteBooleanValue(b);
                }

                w.WriteEndArray();
                break;
            case AttributeType.LongArray:
                w.WriteStartArray();
                foreach (long l in value.AsLongArray()!)
                {
                    w.WriteNumberValue(l);
                }

                w.WriteEndArray();
                break;
            case AttributeType.DoubleArray:
                w.WriteStartArray();
                foreach (double d in value.AsDoubleArray()!)
                {
                    WriteDoubleValue(w, d);
                }

                w.WriteEndArray();
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    private static void WriteDoubleValue(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d))
        {
            w.WriteNumberValue(d);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        }
    }
}

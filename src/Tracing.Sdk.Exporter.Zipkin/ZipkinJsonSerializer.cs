using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using System.Text.Json;
using Tracing.Sdk.Exporting;

namespace Tracing.Sdk.Exporter.Zipkin;

/// <summary>
/// Writes a batch as a Zipkin v2 JSON array, following OpenTelemetry's Zipkin mapping: hex ids, upper-case kind
/// (omitted for internal spans), microsecond times, attributes as string tags (arrays as JSON array text),
/// <c>otel.status_code</c> / <c>error</c>, events as annotations, the scope as <c>otel.scope.*</c> tags.
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

    private readonly ArrayBufferWriter<byte> _scratch = new(1024);
    private Utf8JsonWriter? _writer;
    private Utf8JsonWriter? _scratchWriter;

    public void Serialize(in SpanBatch batch, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
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
        w.WriteNumber(s_duration, Math.Max(0, (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1000));
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
            foreach (ref readonly var e in span.Events)
            {
                w.WriteStartObject();
                w.WriteNumber(s_timestamp, e.TimestampUnixNano / 1000);
                if (e.Attributes.IsEmpty)
                {
                    w.WriteString(s_value, e.Name);
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
                    w.WriteString(s_value, _scratch.WrittenSpan);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteStartObject(s_tags);
        foreach (ref readonly var kv in span.Attributes)
        {
            WriteTag(w, kv.Key, kv.Value);
        }

        if (span.Status.Code == StatusCode.Ok)
        {
            w.WriteString("otel.status_code"u8, "OK"u8);
        }
        else if (span.Status.Code == StatusCode.Error)
        {
            w.WriteString("otel.status_code"u8, "ERROR"u8);
            w.WriteString("error"u8, span.Status.Description ?? string.Empty);
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
        var sw = _scratchWriter ??= new Utf8JsonWriter(_scratch);
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

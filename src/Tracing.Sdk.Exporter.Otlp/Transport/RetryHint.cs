using System;
using Tracing.Sdk.Exporter.Otlp.Serialization;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>
/// Reads the retry delay from a gRPC <c>grpc-status-details-bin</c> trailer: a <c>google.rpc.Status</c> whose
/// <c>details</c> (field 3, <c>Any</c>) may hold a <c>google.rpc.RetryInfo</c> with a <c>retry_delay</c> Duration.
/// </summary>
internal static class RetryHint
{
    public static TimeSpan? FromStatusDetails(ReadOnlySpan<byte> status)
    {
        var reader = new ProtobufReader(status);
        while (reader.TryReadTag(out int field, out var type))
        {
            if (field == 3 && type == WireType.LengthDelimited)
            {
                if (FromAny(reader.ReadLengthDelimited()) is { } delay)
                {
                    return delay;
                }
            }
            else
            {
                reader.Skip(type);
            }
        }

        return null;
    }

    private static TimeSpan? FromAny(ReadOnlySpan<byte> any)
    {
        var reader = new ProtobufReader(any);
        bool isRetryInfo = false;
        ReadOnlySpan<byte> value = default;
        while (reader.TryReadTag(out int field, out var type))
        {
            if (field == 1 && type == WireType.LengthDelimited)
            {
                isRetryInfo = reader.ReadLengthDelimited().SequenceEqual("type.googleapis.com/google.rpc.RetryInfo"u8);
            }
            else if (field == 2 && type == WireType.LengthDelimited)
            {
                value = reader.ReadLengthDelimited();
            }
            else
            {
                reader.Skip(type);
            }
        }

        if (!isRetryInfo)
        {
            return null;
        }

        // RetryInfo { Duration retry_delay = 1; }  Duration { int64 seconds = 1; int32 nanos = 2; }
        var info = new ProtobufReader(value);
        while (info.TryReadTag(out int field, out var type))
        {
            if (field == 1 && type == WireType.LengthDelimited)
            {
                var duration = new ProtobufReader(info.ReadLengthDelimited());
                long seconds = 0, nanos = 0;
                while (duration.TryReadTag(out int f, out var t))
                {
                    if (f == 1 && t == WireType.Varint)
                    {
                        seconds = (long)duration.ReadVarint();
                    }
                    else if (f == 2 && t == WireType.Varint)
                    {
                        nanos = (long)duration.ReadVarint();
                    }
                    else
                    {
                        duration.Skip(t);
                    }
                }

                if (seconds < 0 || nanos < 0 || seconds > 3600)
                {
                    return null;
                }

                return TimeSpan.FromSeconds(seconds) + TimeSpan.FromTicks(nanos / 100);
            }

            info.Skip(type);
        }

        return TimeSpan.Zero;
    }

    /// <summary>Reads <c>ExportTraceServiceResponse.partial_success</c> (field 1): rejected_spans (1) and error_message (2).</summary>
    public static (long Rejected, string? Message) ReadPartialSuccess(ReadOnlySpan<byte> response)
    {
        var reader = new ProtobufReader(response);
        while (reader.TryReadTag(out int field, out var type))
        {
            if (field == 1 && type == WireType.LengthDelimited)
            {
                var partial = new ProtobufReader(reader.ReadLengthDelimited());
                long rejected = 0;
                string? message = null;
                while (partial.TryReadTag(out int f, out var t))
                {
                    if (f == 1 && t == WireType.Varint)
                    {
                        rejected = (long)partial.ReadVarint();
                    }
                    else if (f == 2 && t == WireType.LengthDelimited)
                    {
                        message = System.Text.Encoding.UTF8.GetString(partial.ReadLengthDelimited());
                    }
                    else
                    {
                        partial.Skip(t);
                    }
                }

                return (rejected, message);
            }

            reader.Skip(type);
        }

        return (0, null);
    }
}

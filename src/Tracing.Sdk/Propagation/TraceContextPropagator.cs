using System;
using System.Collections.Generic;

namespace Tracing.Sdk.Propagation;

/// <summary>
/// W3C Trace Context (level 2): the <c>traceparent</c> and <c>tracestate</c> headers.
/// <para>
/// Extraction is strict: lower-case hex only, version <c>ff</c> rejected, version <c>00</c> exactly 55 characters, a
/// later version read by its first four fields (and then followed by <c>-</c> or nothing), all-zero ids rejected.
/// Flags keep the sampled and random bits. A valid <c>traceparent</c> with no <c>tracestate</c> is extracted without
/// allocating. A <c>tracestate</c> is read only after a valid <c>traceparent</c>; an invalid one is discarded whole,
/// and a valid one longer than 512 characters is truncated as the specification recommends.
/// </para>
/// <para>Injection writes version <c>00</c> in lower-case hex, and <c>tracestate</c> when the context has one.</para>
/// </summary>
public sealed class TraceContextPropagator : TextMapPropagator
{
    /// <summary>The <c>traceparent</c> header name.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The <c>tracestate</c> header name.</summary>
    public const string TraceStateHeaderName = "tracestate";

    /// <summary>The length of a version-00 <c>traceparent</c>.</summary>
    internal const int TraceParentLength = 55;

    /// <summary>
    /// Later versions may append fields, so the length is open-ended; this bound keeps hostile input cheap to reject
    /// while leaving a future version room for several more fields.
    /// </summary>
    internal const int MaxTraceParentLength = 512;

    private static readonly IReadOnlyCollection<string> s_fields = Array.AsReadOnly([TraceParentHeader, TraceStateHeaderName]);

    /// <summary>The shared instance; the propagator is stateless.</summary>
    public static TraceContextPropagator Instance { get; } = new();

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Fields => s_fields;

    /// <inheritdoc/>
    public override void Inject<TCarrier>(in PropagationContext context, TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        var span = context.SpanContext;
        if (!span.IsValid || setter is null)
        {
            return;
        }

        setter(carrier, TraceParentHeader, FormatTraceParent(span));
        if (span.TraceState is { } state && DebugMarker.Strip(state) is { Count: > 0 } wire)
        {
            setter(carrier, TraceStateHeaderName, wire.ToString());
        }
    }

    /// <inheritdoc/>
    public override PropagationContext Extract<TCarrier>(in PropagationContext context, TCarrier carrier, Func<TCarrier, string, string?> getter)
    {
        if (getter is null || getter(carrier, TraceParentHeader) is not { } traceParent
            || !TryParseTraceParent(traceParent, out var traceId, out var spanId, out var flags))
        {
            return context;
        }

        TraceState? state = null;
        if (getter(carrier, TraceStateHeaderName) is { Length: > 0 } traceState)
        {
            TraceStateHeader.TryParse(traceState, dropDebugMarker: true, out state);
        }

        return new PropagationContext(new SpanContext(traceId, spanId, flags, state, isRemote: true), context.Baggage);
    }

    /// <summary>The version-00 <c>traceparent</c> value of <paramref name="context"/>.</summary>
    internal static string FormatTraceParent(in SpanContext context) =>
        string.Create(TraceParentLength, (context.TraceId, context.SpanId, context.TraceFlags), static (chars, s) => WriteTraceParent(chars, s.TraceId, s.SpanId, s.TraceFlags));

    internal static void WriteTraceParent(Span<char> chars, TraceId traceId, SpanId spanId, TraceFlags flags)
    {
        chars = chars[..TraceParentLength];
        chars[0] = '0';
        chars[1] = '0';
        chars[2] = '-';
        Hex.WriteLower(traceId.High, chars.Slice(3, 16));
        Hex.WriteLower(traceId.Low, chars.Slice(19, 16));
        chars[35] = '-';
        Hex.WriteLower(spanId.Value, chars.Slice(36, 16));
        chars[52] = '-';
        Hex.WriteByte((byte)(flags & (TraceFlags.Sampled | TraceFlags.Random)), chars[53..]);
    }

    /// <summary>Parses a <c>traceparent</c> value by every rule of W3C Trace Context level 2.</summary>
    internal static bool TryParseTraceParent(ReadOnlySpan<char> value, out TraceId traceId, out SpanId spanId, out TraceFlags flags)
    {
        traceId = default;
        spanId = default;
        flags = TraceFlags.None;

        // HTTP allows optional white space around a field value; the W3C test suite sends some.
        if (value.Length != TraceParentLength)
        {
            value = value.Trim(" \t");
        }

        if (value.Length < TraceParentLength || value.Length > MaxTraceParentLength)
        {
            return false;
        }

        int v0 = Hex.LowerDigit(value[0]);
        int v1 = Hex.LowerDigit(value[1]);
        if (v0 < 0 || v1 < 0 || value[2] != '-' || value[35] != '-' || value[52] != '-')
        {
            return false;
        }

        int version = (v0 << 4) | v1;
        if (version == 0xff)
        {
            return false;
        }

        // Version 00 has exactly four fields; a later version may add fields after a '-'.
        if (value.Length > TraceParentLength && (version == 0 || value[TraceParentLength] != '-'))
        {
            return false;
        }

        int f0 = Hex.LowerDigit(value[53]);
        int f1 = Hex.LowerDigit(value[54]);
        if (f0 < 0 || f1 < 0
            || !Hex.TryParseLower16(value.Slice(3, 16), out ulong high)
            || !Hex.TryParseLower16(value.Slice(19, 16), out ulong low)
            || !Hex.TryParseLower16(value.Slice(36, 16), out ulong span)
            || (high | low) == 0 || span == 0)
        {
            return false;
        }

        traceId = new TraceId(high, low);
        spanId = new SpanId(span);

        // Only the flags this level defines are kept; unknown bits are not forwarded.
        flags = (TraceFlags)(((f0 << 4) | f1) & (int)(TraceFlags.Sampled | TraceFlags.Random));
        return true;
    }
}
